/**
 * Random filter masks at a fixed kept fraction: a stand-in for a search
 * result when only the export's speed is measured (their accuracy means
 * nothing). Every layer keeps at least one filter, and the output layer keeps
 * all its units so the head still sees the target logits.
 */
import { logitsNode } from '../../engine/graph/forward.js';
import type { Graph } from '../../engine/graph/types.js';
import { fullMasks, maskSpecs, type MaskSet } from '../../engine/masks/masks.js';
import { Rng } from '../../engine/random.js';

export function randomFilterMasks(graph: Graph, kept: number, seed: number): MaskSet {
  const specs = maskSpecs(graph, 'filter');
  const set = fullMasks('filter', specs);
  const out = logitsNode(graph).node;
  const rng = new Rng(seed);
  specs.forEach((s, i) => {
    if (s.node === out) return;
    const m = set.masks[i]!;
    for (let j = 0; j < m.length; j++) m[j] = rng.next() < kept ? 1 : 0;
    if (!m.includes(1)) m[rng.int(m.length)] = 1;
  });
  return set;
}
