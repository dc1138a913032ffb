/**
 * Layers a network can lose and still compute something from its input:
 * those with another path from the input to the output around them (the
 * layers of a residual branch). Losing any other layer (a stem, a plain
 * chain's conv, the classifier) leaves a constant output.
 */
import type { Graph } from './types.js';

export function bypassableNodes(graph: Graph): Set<string> {
  const consumers = new Map<string, string[]>();
  for (const n of graph.nodes) for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n.name]);
  const reachesOutputWithout = (skip: string): boolean => {
    const seen = new Set<string>([graph.input]);
    const todo = [graph.input];
    while (todo.length) {
      const n = todo.pop()!;
      if (n === graph.output) return true;
      for (const c of consumers.get(n) ?? []) {
        if (c === skip || seen.has(c)) continue;
        seen.add(c);
        todo.push(c);
      }
    }
    return false;
  };
  const out = new Set<string>();
  for (const n of graph.nodes) if (n.name !== graph.input && n.name !== graph.output && reachesOutputWithout(n.name)) out.add(n.name);
  return out;
}
