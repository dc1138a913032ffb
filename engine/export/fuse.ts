/**
 * Folds a selection Dense (no bias, linear, every column a single 1 or all
 * zeros: it only picks and orders its inputs, like the sliced multi-class
 * head, whose removed inputs leave zero columns) into the
 * linear Dense that feeds it, so the output layer itself keeps only the
 * target classes, in the head's order.
 */
import type { Graph, GraphNode } from '../graph/types.js';

export function fuseSelections(graph: Graph): string[] {
  const fused: string[] = [];
  for (;;) {
    const consumers = new Map<string, GraphNode[]>();
    for (const n of graph.nodes) for (const i of n.inputs) consumers.set(i, [...(consumers.get(i) ?? []), n]);
    const target = graph.nodes.find((b) => {
      const prev = b.inputs.length === 1 ? graph.byName.get(b.inputs[0]!) : undefined;
      return (
        prev !== undefined &&
        selectionColumns(b) !== undefined &&
        prev.attrs.op === 'dense' &&
        prev.attrs.activation === 'linear' &&
        prev.name !== graph.output &&
        (consumers.get(prev.name) ?? []).length === 1
      );
    });
    if (!target) return fused;
    const prev = graph.byName.get(target.inputs[0]!)!;
    const cols = selectionColumns(target)!;
    const k = prev.weights.kernel!;
    const [nIn, nOut] = k.shape as [number, number];
    const kernel = new Float32Array(nIn * cols.length);
    for (let r = 0; r < nIn; r++) cols.forEach((c, j) => (kernel[r * cols.length + j] = c < 0 ? 0 : k.data[r * nOut + c]!));
    prev.weights = { ...prev.weights, kernel: { shape: [nIn, cols.length], data: kernel } };
    if (prev.weights.bias) prev.weights.bias = { shape: [cols.length], data: Float32Array.from(cols, (c) => (c < 0 ? 0 : prev.weights.bias!.data[c]!)) };
    prev.config = { ...prev.config, units: cols.length };
    if (prev.attrs.op === 'dense') prev.attrs = { ...prev.attrs, units: cols.length };
    for (const n of consumers.get(target.name) ?? []) n.inputs = n.inputs.map((i) => (i === target.name ? prev.name : i));
    if (graph.output === target.name) graph.output = prev.name;
    graph.nodes = graph.nodes.filter((n) => n !== target);
    graph.byName.delete(target.name);
    fused.push(target.name);
  }
}

/** For a pure selection Dense, the input index each output copies (-1: an all-zero column, a constant 0 output). */
function selectionColumns(node: GraphNode): number[] | undefined {
  const a = node.attrs;
  if (a.op !== 'dense' || a.useBias || a.activation !== 'linear') return undefined;
  const k = node.weights.kernel!;
  if (k.shape.length !== 2) return undefined;
  const [nIn, nOut] = k.shape as [number, number];
  const cols: number[] = [];
  for (let c = 0; c < nOut; c++) {
    let at = -1;
    for (let r = 0; r < nIn; r++) {
      const v = k.data[r * nOut + c]!;
      if (v === 0) continue;
      if (v !== 1 || at >= 0) return undefined;
      at = r;
    }
    cols.push(at);
  }
  return cols;
}
