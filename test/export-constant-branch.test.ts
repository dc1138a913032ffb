// A residual block whose first convolution lost every filter adds a constant
// to the residual stream. The compact export must drop the whole block (both
// convolutions and their BatchNorms), keeping the constant as a per-channel
// bias, or nothing when it is zero; and fine-tuning must make removed filters
// carry zero (their BatchNorm channel gated), so such blocks appear at all.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { buildMasked } from '../engine/export/build.js';
import { compactGraph } from '../engine/export/compact.js';
import { dropConstantBranches } from '../engine/export/constant-branches.js';
import { artifactsOf } from '../engine/export/export-models.js';
import type { Graph } from '../engine/graph/types.js';
import { batchNormGates, deadChannels } from '../engine/masks/dead-channels.js';
import { TrainableModel } from '../engine/train/trainable.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { killFilters, maxAbsDiff, maxDiff, outputOf, setShift } from './fixtures/export-edits.js';
import { fixtureGraph, plainCnn, randomInput, resnetPadShortcut, resnetProjection } from './fixtures/export-models.js';

useEngineBackend();

const all = (n: number) => Array.from({ length: n }, (_, i) => i);
const has = (g: Graph, node: string) => g.byName.has(node);

/** Loads an in-memory export with plain TF.js and runs it. */
async function plainTfjsOutput(exported: ReturnType<typeof compactGraph>['exported'], x: tf.Tensor): Promise<Float32Array> {
  const model = await tf.loadLayersModel(tf.io.fromMemory(artifactsOf(exported)));
  const y = model.predict(x) as tf.Tensor;
  const out = (await y.data()) as Float32Array;
  y.dispose();
  model.dispose();
  return out;
}

describe('constant residual branches', () => {
  it('a block whose first conv is gone becomes one bias layer (projection ResNet)', async () => {
    const { graph } = await fixtureGraph(resnetProjection);
    all(8).forEach((c) => setShift(graph, 'b2_bn1', c, -0.5)); // ReLU(-0.5) = 0: the second conv sees zeros
    all(8).forEach((c) => setShift(graph, 'b2_bn2', c, 0.1 * (c + 1))); // ...and emits its BN shift everywhere
    const masked = buildMasked({ graph, masks: killFilters(graph, 'filter', { b2_c1: all(8) }) }).graph;
    const compact = compactGraph(masked);
    expect(compact.summary.constantBranches).toEqual([{ node: 'b2_add', became: 'bias' }]);
    for (const gone of ['b2_c1', 'b2_bn1', 'b2_r1', 'b2_c2', 'b2_bn2']) expect(has(compact.graph, gone)).toBe(false);
    expect(compact.summary.droppedLayers).toEqual(expect.arrayContaining(['b2_c1', 'b2_c2']));
    const bias = compact.graph.byName.get('b2_add')!;
    expect(bias.className).toBe('DepthwiseConv2D');
    expect(bias.attrs).toMatchObject({ activation: 'relu' }); // b2_out merged into it
    expect(maxDiff(masked, compact.graph)).toBeLessThan(1e-4);

    // The hand-made DepthwiseConv2D config loads with plain TF.js and computes the same.
    const x = randomInput(masked, 3, 9);
    expect(maxAbsDiff(await plainTfjsOutput(compact.exported, x), outputOf(masked, x))).toBeLessThan(1e-4);
    x.dispose();
  });

  it('a block whose both convs are gone and whose BatchNorms are zero disappears (identity)', async () => {
    const { graph } = await fixtureGraph(resnetProjection);
    all(8).forEach((c) => setShift(graph, 'b2_bn1', c, 0));
    all(8).forEach((c) => setShift(graph, 'b2_bn2', c, 0));
    const masked = buildMasked({ graph, masks: killFilters(graph, 'filter', { b2_c1: all(8), b2_c2: all(8) }) }).graph;
    const compact = compactGraph(masked);
    expect(compact.summary.constantBranches).toEqual([{ node: 'b2_add', became: 'identity' }]);
    expect(has(compact.graph, 'b2_add')).toBe(false);
    expect(compact.graph.byName.get('gap')!.inputs).toEqual(['b2_out']);
    expect(compact.graph.byName.get('b2_out')!.inputs).toEqual(['b1_out']);
    expect(maxDiff(masked, compact.graph)).toBeLessThan(1e-4);
  });

  it('the option-A shortcut block (channel padding) also reduces to a bias', async () => {
    const { graph } = await fixtureGraph(resnetPadShortcut);
    all(8).forEach((c) => setShift(graph, 'b2_bn1', c, -1));
    const masked = buildMasked({ graph, masks: killFilters(graph, 'filter', { b2_c1: all(8) }) }).graph;
    const compact = compactGraph(masked);
    expect(compact.summary.constantBranches).toEqual([{ node: 'b2_add', became: 'bias' }]);
    expect(has(compact.graph, 'b2_c2')).toBe(false);
    expect(maxDiff(masked, compact.graph)).toBeLessThan(1e-4);
  });

  it('a constant branch that varies with position (same conv over a non-zero constant) stays', async () => {
    const { graph } = await fixtureGraph(resnetProjection);
    all(8).forEach((c) => setShift(graph, 'b2_bn1', c, 0.5));
    const masked = buildMasked({ graph, masks: killFilters(graph, 'filter', { b2_c1: all(8) }) }).graph;
    expect(dropConstantBranches(masked).adds).toEqual([]);
    const compact = compactGraph(masked);
    expect(compact.summary.constantBranches).toEqual([]);
    expect(has(compact.graph, 'b2_c2')).toBe(true);
    expect(maxDiff(masked, compact.graph)).toBeLessThan(1e-4);
  });
});

describe('dead channels and their BatchNorm gates', () => {
  it('a channel is dead only when its whole kernel slice and its bias are masked', async () => {
    const { graph } = await fixtureGraph(plainCnn); // c1: 8 filters with biases
    const weight = killFilters(graph, 'weight', { c1: [1, 2] }); // kernels gone, biases still alive
    expect(Array.from(deadChannels(graph, weight).get('c1')!)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    weight.masks[weight.specs.findIndex((s) => s.node === 'c1' && s.role === 'bias')]![2] = 0;
    expect(Array.from(deadChannels(graph, weight).get('c1')!)).toEqual([0, 0, 1, 0, 0, 0, 0, 0]);
    const filter = killFilters(graph, 'filter', { c1: [1, 2] });
    expect(Array.from(deadChannels(graph, filter).get('c1')!)).toEqual([0, 1, 1, 0, 0, 0, 0, 0]);
    expect(Array.from(batchNormGates(graph, filter).get('b1')!)).toEqual([1, 0, 0, 1, 1, 1, 1, 1]);
  });

  it('with gateDeadChannels the BatchNorm channel after a removed filter is exactly zero, training and after', async () => {
    const { graph } = await fixtureGraph(resnetProjection);
    all(8).forEach((c) => setShift(graph, 'b2_bn1', c, 0.7));
    const masks = killFilters(graph, 'filter', { b2_c1: all(8) });
    const model = new TrainableModel(graph, { masks, gateDeadChannels: true });
    try {
      const x = randomInput(graph, 4, 3) as tf.Tensor4D;
      const step = model.trainStep(x, Int32Array.from([0, 1, 2, 3]), 4, () => undefined);
      expect(Number.isFinite(step.loss)).toBe(true);
      for (const training of [true, false]) {
        const bn = tf.tidy(() => model.forward(x, training, { until: 'b2_bn1' }).abs().max().dataSync()[0]!);
        expect(bn).toBe(0);
      }
      x.dispose();
      const tuned = model.toGraph().byName.get('b2_bn1')!.weights;
      expect(Array.from(tuned.gamma!.data)).toEqual(new Array(8).fill(0));
      expect(Array.from(tuned.beta!.data)).toEqual(new Array(8).fill(0));
      // Without the gate the removed filters still emit ReLU(0.7): the branch would be position-dependent.
      expect(dropConstantBranches(model.toGraph()).adds).toEqual([{ node: 'b2_add', became: 'bias' }]);
    } finally {
      model.dispose();
    }
  });
});
