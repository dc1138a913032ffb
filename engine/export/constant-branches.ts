/**
 * [ours] Residual branches that no longer depend on the input. When a search
 * removes every filter of a residual block's first convolution (and
 * fine-tuning held their BatchNorm channels at zero), the branch adds the
 * same per-channel constant to every position: Add(x, branch) is x + c.
 * Channel removal alone cannot drop such a block (its output channels are
 * tied to the residual stream, so one filter would stay to feed it); this
 * pass, run on the masked graph before the channel analysis, replaces the Add
 * by a pass-through (c = 0) or by a 1x1 DepthwiseConv2D with kernel 1 and
 * bias c, and deletes the branch's layers. A constant branch whose values vary
 * with position (a 'same' convolution over a non-zero constant) is left alone.
 * Exact: the export's equality check covers it.
 */
import type { Graph, GraphNode } from '../graph/types.js';
import { analyzeChannels, type ChannelAnalysis } from './channels.js';
import { zeroInputOutputs } from './zero-input-values.js';

export interface ConstantBranchResult {
  graph: Graph;
  /** Add layers that became a pass-through or a per-channel bias. */
  adds: { node: string; became: 'identity' | 'bias' }[];
  /** Layers deleted because nothing reads them any more. */
  removed: string[];
}

/** Relative tolerance for "the same value at every position". */
const UNIFORM_TOL = 1e-6;

/** `analysis` is the masked graph's own (computed when not given); it stays valid for the result when nothing changed. */
export function dropConstantBranches(masked: Graph, analysis: ChannelAnalysis = analyzeChannels(masked)): ConstantBranchResult {
  const { tensors } = analysis;
  const allIndep = (name: string) => tensors.get(name)!.indep.every((v) => v === 1);
  const candidates = masked.nodes.filter(
    (n) => n.attrs.op === 'add' && n.inputs.some(allIndep) && !n.inputs.every(allIndep) && n.outputShape.length === 3,
  );
  if (candidates.length === 0) return { graph: masked, adds: [], removed: [] };
  const values = zeroInputOutputs(masked, new Set(candidates.flatMap((n) => n.inputs.filter(allIndep))));

  const replaced = new Map<string, GraphNode[]>();
  // An Add replaced by nothing is an alias of its one remaining input.
  const alias = new Map<string, string>();
  const adds: ConstantBranchResult['adds'] = [];
  const taken = new Set(masked.nodes.map((n) => n.name));
  for (const add of candidates) {
    const channels = add.outputShape[2]!;
    const constant = new Float64Array(channels);
    const keep: string[] = [];
    for (const input of add.inputs) {
      const c = allIndep(input) ? perChannelConstant(values.get(input)!, channels) : undefined;
      if (c) c.forEach((v, i) => (constant[i]! += v));
      else keep.push(input);
    }
    if (keep.length === add.inputs.length) continue;
    const zero = constant.every((v) => v === 0);
    let nodes: GraphNode[];
    if (zero) nodes = keep.length === 1 ? [] : [{ ...add, inputs: keep }];
    else if (keep.length === 1) nodes = [biasNode(add, keep[0]!, constant)];
    else {
      const sum = freshName(`${add.name}_sum`, taken);
      nodes = [{ ...add, name: sum, inputs: keep, config: { ...add.config, name: sum } }, biasNode(add, sum, constant)];
    }
    if (nodes.length === 0) alias.set(add.name, keep[0]!);
    replaced.set(add.name, nodes);
    adds.push({ node: add.name, became: zero ? 'identity' : 'bias' });
  }
  if (adds.length === 0) return { graph: masked, adds, removed: [] };

  const resolve = (n: string): string => (alias.has(n) ? resolve(alias.get(n)!) : n);
  let nodes: GraphNode[] = [];
  for (const n of masked.nodes) {
    const r = replaced.get(n.name);
    for (const m of r ?? [n]) nodes.push({ ...m, inputs: m.inputs.map(resolve) });
  }
  const output = resolve(masked.output);
  const live = liveNodes(nodes, output);
  const removed = nodes.filter((n) => !live.has(n.name) && !replaced.has(n.name)).map((n) => n.name);
  nodes = nodes.filter((n) => live.has(n.name));
  return {
    graph: { ...masked, nodes, byName: new Map(nodes.map((n) => [n.name, n])), output },
    adds,
    removed,
  };
}

/** The per-channel value of a [H, W, C] map that is the same at every position, else undefined. */
function perChannelConstant(map: Float32Array, channels: number): Float64Array | undefined {
  const c = Float64Array.from(map.subarray(0, channels));
  for (let p = channels; p < map.length; p++) {
    const ch = p % channels;
    const scale = Math.max(Math.abs(c[ch]!), 1e-30);
    if (Math.abs(map[p]! - c[ch]!) > UNIFORM_TOL * scale) return undefined;
  }
  return c;
}

/** x + c as a standard layer: a 1x1 DepthwiseConv2D with kernel 1 and bias c, under the Add's name. */
function biasNode(add: GraphNode, input: string, constant: Float64Array): GraphNode {
  const channels = constant.length;
  return {
    name: add.name,
    className: 'DepthwiseConv2D',
    attrs: { op: 'depthwiseConv2d', depthMultiplier: 1, kernelSize: [1, 1], strides: [1, 1], padding: 'valid', dilation: [1, 1], activation: 'linear', useBias: true },
    inputs: [input],
    weights: {
      kernel: { shape: [1, 1, channels, 1], data: new Float32Array(channels).fill(1) },
      bias: { shape: [channels], data: Float32Array.from(constant) },
    },
    outputShape: add.outputShape.slice(),
    config: {
      name: add.name,
      trainable: true,
      dtype: 'float32',
      kernel_size: [1, 1],
      strides: [1, 1],
      padding: 'valid',
      data_format: 'channels_last',
      dilation_rate: [1, 1],
      depth_multiplier: 1,
      activation: 'linear',
      use_bias: true,
    },
  };
}

function freshName(base: string, taken: Set<string>): string {
  let name = base;
  for (let i = 1; taken.has(name); i++) name = `${base}_${i}`;
  taken.add(name);
  return name;
}

/** Nodes the output depends on. */
function liveNodes(nodes: GraphNode[], output: string): Set<string> {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const live = new Set<string>();
  const stack = [output];
  while (stack.length) {
    const n = stack.pop()!;
    if (live.has(n)) continue;
    live.add(n);
    stack.push(...(byName.get(n)?.inputs ?? []));
  }
  return live;
}
