// The compact export's contract: for every coupling pattern (residual adds,
// projection and zero-padding shortcuts, concatenation, depthwise, flatten ->
// dense) and both mask granularities, the physically smaller model computes
// the masked model's function, and the removed channels are really gone.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { buildExports } from '../engine/export/build.js';
import { forward } from '../engine/graph/forward.js';
import { disposeParams, prepareParams } from '../engine/graph/params.js';
import type { Graph } from '../engine/graph/types.js';
import { fullMasks, maskSpecs } from '../engine/masks/masks.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { GRAPHS, fixtureGraph, randomInput, randomMasks } from './fixtures/export-models.js';

useEngineBackend();

function run(graph: Graph, x: tf.Tensor): Float32Array {
  const params = prepareParams(graph);
  try {
    return tf.tidy(() => forward(graph, params, x).dataSync() as Float32Array).slice();
  } finally {
    disposeParams(params);
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function convWidths(g: Graph): number {
  return g.nodes.reduce((s, n) => s + (n.attrs.op === 'conv2d' || n.attrs.op === 'dense' ? n.outputShape[n.outputShape.length - 1]! : 0), 0);
}

describe.each(Object.entries(GRAPHS))('%s', (name, build) => {
  it.each(['filter', 'weight'] as const)('compact == masked at %s granularity, with channels really removed', async (granularity) => {
    const { graph } = await fixtureGraph(build, name.length);
    const x = randomInput(graph, 4, 3);
    let removedSomewhere = false;
    for (const seed of [1, 2, 3]) {
      const masks = randomMasks(graph, granularity, seed * 17 + name.length);
      const built = buildExports({ graph, masks });
      const diff = maxAbsDiff(run(built.masked.graph, x), run(built.compact.graph, x));
      expect(diff, `seed ${seed}`).toBeLessThan(1e-4);
      // Each reported change is a real shape change in the compact graph.
      for (const c of built.removal.layers) {
        const node = built.compact.graph.byName.get(c.node);
        if (node && node.attrs.op !== 'zeroPad') expect(node.outputShape[node.outputShape.length - 1]).toBe(c.after);
      }
      if (built.removal.groups.removed > 0) {
        removedSomewhere = true;
        expect(convWidths(built.compact.graph)).toBeLessThan(convWidths(built.masked.graph));
      }
    }
    expect(removedSomewhere).toBe(true);
    x.dispose();
  });
});

describe('concatenation with a branch removed entirely', () => {
  it('drops the branch from the Concatenate, or the Concatenate itself when one input is left', async () => {
    const { graph } = await fixtureGraph(GRAPHS.concatNet, 5);
    const kill = (nodes: string[]) => {
      const m = fullMasks('filter', maskSpecs(graph, 'filter'));
      m.specs.forEach((s, i) => nodes.includes(s.node) && m.masks[i]!.fill(0));
      return m;
    };
    const x = randomInput(graph, 3, 1);
    const one = buildExports({ graph, masks: kill(['branch_a']) });
    expect(one.removal.droppedLayers).toEqual(['branch_a']);
    // (BN and ReLU folded into the convs, so the concatenation reads them directly.)
    expect(one.compact.graph.byName.get('cat')!.inputs).toEqual(['branch_b', 'stem']);
    expect(maxAbsDiff(run(one.masked.graph, x), run(one.compact.graph, x))).toBeLessThan(1e-4);
    const both = buildExports({ graph, masks: kill(['branch_a', 'branch_b']) });
    expect(both.compact.graph.byName.has('cat')).toBe(false);
    expect(maxAbsDiff(run(both.masked.graph, x), run(both.compact.graph, x))).toBeLessThan(1e-4);
    x.dispose();
  });
});
