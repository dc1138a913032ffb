/**
 * [ours] Dead output channels: a conv / dense filter whose kernel slice and
 * bias are all masked out. Such a channel still emits its BatchNorm shift
 * (and the activation of it) as a constant, which is why fine-tuning gates
 * the BatchNorm channel right after it too (`batchNormGates`): removed
 * filters then carry exactly zero, as in structured pruning, and a residual
 * branch whose filters are all gone adds a per-channel constant the export
 * can drop with the whole branch (engine/export/constant-branches.ts).
 */
import type { Graph } from '../graph/types.js';
import type { MaskSet, MaskSpec } from './masks.js';

/** Per masked node, 1 for each output channel whose every weight (and bias) is masked out. */
export function deadChannels(graph: Graph, set: MaskSet): Map<string, Uint8Array> {
  const byNode = new Map<string, Partial<Record<MaskSpec['role'], Uint8Array>> & { spec: MaskSpec }>();
  set.specs.forEach((s, i) => {
    const entry = byNode.get(s.node) ?? { spec: s };
    entry[s.role] = set.masks[i]!;
    byNode.set(s.node, entry);
  });
  const out = new Map<string, Uint8Array>();
  for (const [node, e] of byNode) {
    if (e.filter) {
      out.set(node, Uint8Array.from(e.filter, (m) => (m ? 0 : 1)));
      continue;
    }
    if (!e.kernel) continue;
    // Kernel layouts end in [in, out] (conv, dense) or [in, mult] (depthwise, output channel in * mult + m),
    // so a flat index modulo the channel count is its output channel.
    const k = e.spec.kernelShape;
    const channels = graph.byName.get(node)?.attrs.op === 'depthwiseConv2d' ? k[k.length - 2]! * k[k.length - 1]! : k[k.length - 1]!;
    const alive = new Uint8Array(channels);
    for (let j = 0; j < e.kernel.length; j++) if (e.kernel[j]) alive[j % channels] = 1;
    e.bias?.forEach((m, o) => m && (alive[o] = 1));
    out.set(node, Uint8Array.from(alive, (a) => (a ? 0 : 1)));
  }
  return out;
}

/**
 * 0/1 gates per channel for every BatchNorm (with both gamma and beta) that
 * directly follows a layer with dead channels: 0 where the channel is dead.
 */
export function batchNormGates(graph: Graph, set: MaskSet): Map<string, Float32Array> {
  const dead = deadChannels(graph, set);
  const gates = new Map<string, Float32Array>();
  for (const node of graph.nodes) {
    if (node.attrs.op !== 'batchNorm' || !node.weights.gamma || !node.weights.beta) continue;
    const producer = graph.byName.get(node.inputs[0]!);
    const d = producer && dead.get(producer.name);
    if (!d || !d.includes(1) || (producer.attrs as { activation?: string }).activation !== 'linear') continue;
    if (d.length !== node.weights.gamma.data.length) continue;
    gates.set(node.name, Float32Array.from(d, (x) => (x ? 0 : 1)));
  }
  return gates;
}
