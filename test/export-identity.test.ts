// With nothing removable (no mask zeroes a whole channel, on either side of
// any layer), the compact export is the input model itself: same layers, same
// configs, the same weights bit for bit.
import { describe, expect, it } from 'vitest';
import { buildMasked } from '../engine/export/build.js';
import { compactGraph } from '../engine/export/compact.js';
import { fullMasks, maskSpecs } from '../engine/masks/masks.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { GRAPHS, fixtureGraph } from './fixtures/export-models.js';

useEngineBackend();

describe('export with nothing removable', () => {
  it.each(Object.entries(GRAPHS))('%s: compact equals the input', async (_, build) => {
    const { graph } = await fixtureGraph(build);
    const masked = buildMasked({ graph, masks: fullMasks('weight', maskSpecs(graph, 'weight')) });
    const compact = compactGraph(masked.graph, { simplify: false });
    expect(compact.summary.groups.removed).toBe(0);
    expect(compact.summary.layers).toEqual([]);
    expect(compact.graph.nodes.map((n) => [n.name, n.className, n.inputs, n.outputShape])).toEqual(
      graph.nodes.map((n) => [n.name, n.className, n.inputs, n.outputShape]),
    );
    for (const node of graph.nodes) {
      const got = compact.graph.byName.get(node.name)!;
      expect(got.attrs).toEqual(node.attrs);
      expect(Object.keys(got.weights).sort()).toEqual(Object.keys(node.weights).sort());
      for (const [role, w] of Object.entries(node.weights)) {
        const g = got.weights[role as keyof typeof got.weights]!;
        expect(g.shape).toEqual(w!.shape);
        expect(Buffer.from(g.data.buffer, g.data.byteOffset, g.data.byteLength).equals(Buffer.from(w!.data.buffer, w!.data.byteOffset, w!.data.byteLength))).toBe(true);
      }
    }
  });
});
