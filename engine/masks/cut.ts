/**
 * Masks that cut the network: with every layer whose kernel is entirely
 * masked out treated as gone (it emits only constants), is there still a
 * path from the input to the output? If not, the masked model answers the
 * same whatever the image, and no fine-tuning of the kept weights changes
 * that.
 */
import { reachesOutput } from '../graph/bypassable.js';
import type { Graph } from '../graph/types.js';
import type { MaskSet } from './masks.js';

/** Nodes whose kernel (or every filter) is masked out. */
export function emptiedLayers(set: MaskSet): Set<string> {
  const out = new Set<string>();
  set.specs.forEach((s, i) => {
    if (s.role !== 'bias' && set.masks[i]!.every((v) => v === 0)) out.add(s.node);
  });
  return out;
}

export function masksCutNetwork(graph: Graph, set: MaskSet): boolean {
  return !reachesOutput(graph, emptiedLayers(set));
}
