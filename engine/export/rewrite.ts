/**
 * Applies a removal plan: a new graph whose layers hold only the kept
 * channels (kernels, biases, BatchNorm vectors and channel padding sliced,
 * folded constants added to biases, configs' filters / units / use_bias /
 * padding updated). Layers left with no channel at all disappear; a
 * Concatenate left with one input becomes a pass-through.
 */
import type { Graph, GraphNode, NodeAttrs, WeightTensor } from '../graph/types.js';
import type { RemovalPlan } from './plan.js';

export interface LayerChange {
  node: string;
  className: string;
  before: number;
  after: number;
}

export interface RewriteResult {
  graph: Graph;
  /** Channel / unit counts that changed, per layer with weights or channel padding. */
  changes: LayerChange[];
  /** Layers dropped entirely (all their channels removed). */
  dropped: string[];
}

export function applyPlan(plan: RemovalPlan): RewriteResult {
  const { analysis, kept, adjustments } = plan;
  const src = analysis.graph;
  const alias = new Map<string, string>();
  const dropped: string[] = [];
  const changes: LayerChange[] = [];
  const nodes: GraphNode[] = [];
  const resolve = (n: string) => alias.get(n) ?? n;
  const keptOf = (n: string) => kept.get(n)!;

  for (const node of src.nodes) {
    const keptOut = keptOf(node.name);
    if (keptOut.length === 0) {
      dropped.push(node.name);
      continue;
    }
    let inputs = node.inputs.map(resolve);
    if (node.attrs.op === 'concat') {
      inputs = node.inputs.filter((i) => keptOf(i).length > 0).map(resolve);
      if (inputs.length === 1) {
        alias.set(node.name, inputs[0]!);
        continue;
      }
    } else if (node.inputs.some((i) => keptOf(i).length === 0)) {
      throw new Error(`applyPlan: ${node.name} keeps channels but an input has none (internal error)`);
    }
    const config: Record<string, unknown> = { ...node.config };
    let attrs: NodeAttrs = { ...node.attrs } as NodeAttrs;
    const weights: GraphNode['weights'] = {};
    const a = node.attrs;
    const total = analysis.tensors.get(node.name)!.slots.length;
    const note = (before: number, after: number) => {
      if (before !== after) changes.push({ node: node.name, className: node.className, before, after });
    };
    switch (a.op) {
      case 'conv2d':
      case 'dense': {
        const adj = adjustments.get(node.name);
        const k = node.weights.kernel!;
        const nIn = k.shape[k.shape.length - 2]!;
        const nOut = k.shape[k.shape.length - 1]!;
        const keptIn = keptOf(node.inputs[0]!);
        const kernel = sliceLast2(adj?.kernel ?? k.data, k.data.length / (nIn * nOut), nIn, nOut, keptIn, keptOut);
        weights.kernel = { shape: [...k.shape.slice(0, -2), keptIn.length, keptOut.length], data: kernel };
        const bias = new Float64Array(keptOut.length);
        let nonzero = false;
        keptOut.forEach((o, j) => {
          bias[j] = (a.useBias && node.weights.bias ? node.weights.bias.data[o]! : 0) + (adj?.biasDelta?.[o] ?? 0);
          if (bias[j] !== 0) nonzero = true;
        });
        const useBias = a.useBias || nonzero;
        if (useBias) weights.bias = { shape: [keptOut.length], data: Float32Array.from(bias) };
        config.use_bias = useBias;
        if (a.op === 'conv2d') {
          config.filters = keptOut.length;
          attrs = { ...a, filters: keptOut.length, useBias };
        } else {
          config.units = keptOut.length;
          attrs = { ...a, units: keptOut.length, useBias };
        }
        note(nOut, keptOut.length);
        break;
      }
      case 'depthwiseConv2d': {
        const k = node.weights.kernel!;
        const c = k.shape[2]!;
        const m = k.shape[3]!;
        const keptIn = keptOf(node.inputs[0]!);
        weights.kernel = { shape: [k.shape[0]!, k.shape[1]!, keptIn.length, m], data: sliceLast2(k.data, k.data.length / (c * m), c, m, keptIn, range(m)) };
        if (node.weights.bias) weights.bias = pick(node.weights.bias, keptOut);
        note(c * m, keptOut.length);
        break;
      }
      case 'batchNorm':
        for (const role of ['gamma', 'beta', 'movingMean', 'movingVariance'] as const) {
          const w = node.weights[role];
          if (w) weights[role] = pick(w, keptOut);
        }
        note(total, keptOut.length);
        break;
      case 'zeroPad': {
        const pad = analysis.channelPads.get(node.name);
        if (pad) {
          const before = keptOut.filter((i) => i < pad.before).length;
          const after = keptOut.filter((i) => i >= total - pad.after).length;
          const padding = a.padding.map((p) => [...p]) as [[number, number], [number, number]];
          padding[pad.axis] = [before, after];
          config.padding = padding;
          attrs = { ...a, padding };
          note(total, keptOut.length);
        }
        break;
      }
      default:
        for (const [role, w] of Object.entries(node.weights)) weights[role as keyof GraphNode['weights']] = w;
        break;
    }
    nodes.push({ name: node.name, className: node.className, attrs, inputs, weights, outputShape: [], config });
  }
  const graph: Graph = {
    name: src.name,
    nodes,
    byName: new Map(nodes.map((n) => [n.name, n])),
    input: src.input,
    output: resolve(src.output),
    meta: { ...src.meta },
  };
  return { graph, changes, dropped };
}

/** Slices a [taps][nIn][nOut] array to the kept rows and columns. */
function sliceLast2(data: Float32Array, taps: number, nIn: number, nOut: number, keptIn: number[], keptOut: number[]): Float32Array {
  const out = new Float32Array(taps * keptIn.length * keptOut.length);
  let w = 0;
  for (let t = 0; t < taps; t++) {
    for (const s of keptIn) {
      const base = (t * nIn + s) * nOut;
      for (const o of keptOut) out[w++] = data[base + o]!;
    }
  }
  return out;
}

function pick(w: WeightTensor, idx: number[]): WeightTensor {
  return { shape: [idx.length], data: Float32Array.from(idx, (i) => w.data[i]!) };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
