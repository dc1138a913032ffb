/**
 * Which layers a network can lose and still compute something from its
 * input: those with another path from the input to the output around them
 * (the layers of a residual branch). Losing any other layer (a stem, a plain
 * chain's conv, the classifier), or every path at once, leaves an output that
 * no longer depends on the input.
 */
import type { Graph } from './types.js';

function consumersOf(graph: Graph): Map<string, string[]> {
  const consumers = new Map<string, string[]>();
  for (const n of graph.nodes) for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n.name]);
  return consumers;
}

/** Whether the output is reachable from the input with the `without` nodes deleted. */
export function reachesOutput(graph: Graph, without: ReadonlySet<string>, consumers = consumersOf(graph)): boolean {
  const seen = new Set<string>([graph.input]);
  const todo = [graph.input];
  while (todo.length) {
    const n = todo.pop()!;
    if (n === graph.output) return true;
    for (const c of consumers.get(n) ?? []) {
      if (without.has(c) || seen.has(c)) continue;
      seen.add(c);
      todo.push(c);
    }
  }
  return false;
}

export function bypassableNodes(graph: Graph): Set<string> {
  const ends = new Set([graph.input, graph.output]);
  const consumers = consumersOf(graph);
  return new Set(graph.nodes.filter((n) => !ends.has(n.name) && reachesOutput(graph, new Set([n.name]), consumers)).map((n) => n.name));
}
