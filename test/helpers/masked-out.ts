import type { Graph } from '../../engine/graph/types.js';
import type { MaskSet } from '../../engine/masks/masks.js';

/** Every weight the masks remove, read from a graph that carries the original's node names (a masked or fine-tuned model). */
export function maskedOutValues(masks: MaskSet, g: Graph): number[] {
  const out: number[] = [];
  masks.specs.forEach((spec, i) => {
    const mask = masks.masks[i]!;
    const node = g.byName.get(spec.node)!;
    const roles = spec.role === 'filter' ? (['kernel', ...(spec.hasBias ? ['bias'] : [])] as const) : ([spec.role] as const);
    for (const role of roles) {
      const w = node.weights[role as 'kernel' | 'bias']!.data;
      for (let j = 0; j < w.length; j++) if (!mask[j % mask.length]) out.push(w[j]!);
    }
  });
  return out;
}
