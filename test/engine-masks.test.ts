// Masks: the straight-through binariser, the global WRR and masked forwards,
// each checked against a hand computation.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { binarize } from '../engine/masks/binarize.js';
import { applyMasks, maskSpecs, maskTensors, retentionTensor, scoreCosts, wrrOf, wrrTensor, type MaskSet } from '../engine/masks/masks.js';
import { loadGraph } from '../engine/graph/import.js';
import { forward } from '../engine/graph/forward.js';
import { disposeParams, prepareParams } from '../engine/graph/params.js';
import { emptiedLayers, masksCutNetwork } from '../engine/masks/cut.js';
import { saveToTemp, tinyConvNet, tinyFunctional } from './fixtures/engine/tiny-models.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function denseGraph() {
  // y = relu(x W1 + b1) W2 + b2 with hand-picked weights.
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [3], units: 2, activation: 'relu', name: 'h' }));
  model.add(tf.layers.dense({ units: 2, name: 'o' }));
  model.setWeights([
    tf.tensor2d([[1, -2], [0.5, 1], [-1, 3]]),
    tf.tensor1d([0.1, -0.2]),
    tf.tensor2d([[2, -1], [1, 4]]),
    tf.tensor1d([0.3, 0.7]),
  ]);
  return loadGraph(await saveToTemp(model));
}

describe('straight-through binariser', () => {
  it('forwards s > 0 as 1 and everything else as 0', () => {
    const out = binarize(tf.tensor1d([-0.5, 0, 1e-9, 2])).arraySync();
    expect(out).toEqual([0, 0, 1, 1]);
  });

  it('passes the upstream gradient clipped to [-1, 1], whatever s is', () => {
    const s = tf.tensor1d([-3, -0.1, 0.2, 5]);
    const upstream = tf.tensor1d([2.5, -0.3, -4, 0.7]);
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(binarize(x), upstream)))(s);
    expect(Array.from(g.dataSync())).toEqual([1, -0.3, -1, 0.7].map((v) => Math.fround(v)));
  });

  it('makes a numerical gradient of a smoothed loss agree with the STE sign', () => {
    // Finite differences of bin() are 0 almost everywhere; the STE stands in
    // for the identity, so dL/ds must equal dL/dm at m = bin(s).
    const s = tf.tensor1d([0.4, -0.2, 0.9]);
    const w = tf.tensor1d([0.3, -0.6, 0.2]);
    const loss = (m: tf.Tensor) => tf.sum(tf.square(tf.sub(tf.mul(m, w), 0.1)));
    const viaSte = tf.grad((x: tf.Tensor) => loss(binarize(x)))(s).dataSync();
    const m0 = binarize(s).dataSync();
    const eps = 1e-3;
    for (let i = 0; i < 3; i++) {
      const plus = Float32Array.from(m0);
      const minus = Float32Array.from(m0);
      plus[i]! += eps;
      minus[i]! -= eps;
      const numeric = (loss(tf.tensor1d(plus)).dataSync()[0]! - loss(tf.tensor1d(minus)).dataSync()[0]!) / (2 * eps);
      expect(viaSte[i]).toBeCloseTo(Math.max(-1, Math.min(1, numeric)), 3);
    }
  });
});

describe('weight retention rate', () => {
  it('is ones over all masked params, one global ratio, for a hand-made mask', async () => {
    const graph = await denseGraph();
    const specs = maskSpecs(graph, 'weight');
    expect(specs.map((s) => `${s.node}/${s.role}`)).toEqual(['h/kernel', 'h/bias', 'o/kernel', 'o/bias']);
    const set: MaskSet = {
      granularity: 'weight',
      specs,
      masks: [Uint8Array.of(1, 0, 0, 1, 1, 0), Uint8Array.of(1, 1), Uint8Array.of(0, 0, 0, 1), Uint8Array.of(0, 1)],
    };
    // 3 + 2 + 1 + 1 kept of 6 + 2 + 4 + 2 = 14
    expect(wrrOf(set)).toBeCloseTo(7 / 14, 12);
    const t = maskTensors(set);
    expect(wrrTensor(specs, t).dataSync()[0]).toBeCloseTo(0.5, 6);
  });

  it('weights a filter score by the parameters it decides, and has gradient 1/N per param', async () => {
    const graph = await denseGraph();
    const specs = maskSpecs(graph, 'filter');
    // h: 2 filters of 3 weights + 1 bias; o: 2 filters of 2 weights + 1 bias
    expect(specs.map((s) => s.paramsPerScore)).toEqual([4, 3]);
    const set: MaskSet = { granularity: 'filter', specs, masks: [Uint8Array.of(1, 0), Uint8Array.of(1, 1)] };
    expect(wrrOf(set)).toBeCloseTo(10 / 14, 12);
    const scores = [tf.tensor1d([0.5, -0.5]), tf.tensor1d([1, 1])];
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => wrrTensor(specs, [binarize(a), binarize(b)]))(scores);
    grads[0]!.dataSync().forEach((g) => expect(g).toBeCloseTo(4 / 14, 6));
    grads[1]!.dataSync().forEach((g) => expect(g).toBeCloseTo(3 / 14, 6));
  });

  it('the flops penalty weighs each filter by its MACs per image (output positions x weights)', async () => {
    const graph = await loadGraph(await saveToTemp(tinyConvNet({ size: 8, width: 4, classes: 3 })));
    const specs = maskSpecs(graph, 'filter');
    expect(specs.map((s) => s.node)).toEqual(['conv1', 'conv2', 'fc']);
    // conv1: 3x3x3 weights, 8x8 outputs; conv2: 3x3x4 + bias, stride 2 -> 4x4; fc: 4 + bias, once.
    expect(scoreCosts(graph, specs, 'params')).toEqual([27, 37, 5]);
    expect(scoreCosts(graph, specs, 'flops')).toEqual([27 * 64, 37 * 16, 5]);
    const set: MaskSet = { granularity: 'filter', specs, masks: [Uint8Array.of(1, 0, 0, 0), Uint8Array.of(1, 1, 0, 0), Uint8Array.of(1, 1, 1)] };
    const kept = 27 * 64 + 2 * 37 * 16 + 3 * 5;
    const total = 4 * 27 * 64 + 4 * 37 * 16 + 3 * 5;
    expect(retentionTensor(specs, maskTensors(set), scoreCosts(graph, specs, 'flops')).dataSync()[0]).toBeCloseTo(kept / total, 6);
    // The same masks keep a larger share of the parameters than of the FLOPs here.
    expect(wrrOf(set)).toBeCloseTo((27 + 2 * 37 + 15) / (4 * 27 + 4 * 37 + 15), 12);
  });
});

describe('masks that cut the network', () => {
  it('cut it when no path from input to output is left with the emptied layers gone', async () => {
    const graph = await loadGraph(await saveToTemp(tinyFunctional()));
    const specs = maskSpecs(graph, 'filter');
    expect(specs.map((s) => s.node)).toEqual(['stem', 'c2', 'dw', 'c3', 'logits']);
    const emptied = (...nodes: string[]): MaskSet => ({
      granularity: 'filter',
      specs,
      masks: specs.map((s) => new Uint8Array(s.shape.reduce((a, b) => a * b, 1)).fill(nodes.includes(s.node) ? 0 : 1)),
    });
    expect(masksCutNetwork(graph, emptied())).toBe(false);
    // One branch of an Add, or a branch beside a shortcut, can go.
    expect(masksCutNetwork(graph, emptied('c2'))).toBe(false);
    expect(masksCutNetwork(graph, emptied('c3', 'dw'))).toBe(false);
    expect(emptiedLayers(emptied('c3', 'dw'))).toEqual(new Set(['c3', 'dw']));
    // Both branches of the Add, the stem or the classifier cannot.
    expect(masksCutNetwork(graph, emptied('c2', 'dw'))).toBe(true);
    expect(masksCutNetwork(graph, emptied('stem'))).toBe(true);
    expect(masksCutNetwork(graph, emptied('logits'))).toBe(true);
    // A layer with one filter kept is not emptied.
    const oneKept = emptied('stem');
    oneKept.masks[0]![3] = 1;
    expect(masksCutNetwork(graph, oneKept)).toBe(false);
  });
});

describe('masked forward', () => {
  it('equals a manual computation with masked weights', async () => {
    const graph = await denseGraph();
    const params = prepareParams(graph);
    const specs = maskSpecs(graph, 'weight');
    const masks = [tf.tensor2d([[1, 0], [0, 1], [1, 1]]), tf.tensor1d([1, 0]), tf.tensor2d([[1, 1], [0, 1]]), tf.tensor1d([0, 1])];
    const x = [0.5, -1, 2];
    const y = tf.tidy(() => forward(graph, applyMasks(params, specs, masks), tf.tensor2d([x])).dataSync());
    // hidden: W1 masked = [[1,0],[0,1],[-1,3]], b1 = [0.1, 0]
    const h0 = Math.max(0, 0.5 * 1 + -1 * 0 + 2 * -1 + 0.1);
    const h1 = Math.max(0, 0 + -1 * 1 + 2 * 3 + 0);
    // out: W2 masked = [[2,-1],[0,4]], b2 = [0, 0.7]
    expect(y[0]).toBeCloseTo(h0 * 2 + h1 * 0 + 0, 5);
    expect(y[1]).toBeCloseTo(h0 * -1 + h1 * 4 + 0.7, 5);
    disposeParams(params);
  });

  it('filter granularity zeroes a whole conv filter and its bias', async () => {
    const model = tf.sequential();
    model.add(tf.layers.conv2d({ inputShape: [3, 3, 2], filters: 3, kernelSize: 2, name: 'c', biasInitializer: 'ones' }));
    const graph = await loadGraph(await saveToTemp(model));
    const params = prepareParams(graph);
    const specs = maskSpecs(graph, 'filter');
    expect(specs[0]!.shape).toEqual([3]);
    const x = tf.randomUniform([1, 3, 3, 2], 0, 1, 'float32', 1);
    const y = tf.tidy(() => forward(graph, applyMasks(params, specs, [tf.tensor1d([1, 0, 1])]), x));
    const full = tf.tidy(() => forward(graph, params, x));
    const [a, b] = [y.arraySync() as number[][][][], full.arraySync() as number[][][][]];
    expect(a[0]![1]![1]).toEqual([b[0]![1]![1]![0], 0, b[0]![1]![1]![2]]);
    disposeParams(params);
  });
});
