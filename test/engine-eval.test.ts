// Evaluation numbers checked by hand: the original's two scorings on a model
// whose logits are its input pixels, and dense / mask-aware cost counts.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelCost } from '../engine/eval/cost.js';
import { measureLatency } from '../engine/eval/latency.js';
import { scoreOriginal } from '../engine/eval/original.js';
import { forward } from '../engine/graph/forward.js';
import { loadGraph } from '../engine/graph/import.js';
import { disposeParams, prepareParams } from '../engine/graph/params.js';
import type { Graph } from '../engine/graph/types.js';
import { fullMasks, maskSpecs, type MaskSet } from '../engine/masks/masks.js';
import { initHead } from '../engine/search/head.js';
import { Rng } from '../engine/random.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { saveToTemp } from './fixtures/engine/tiny-models.js';

useEngineBackend();

let identity: Graph;

beforeAll(async () => {
  // Input 1x1x4 -> Flatten -> Dense(4, identity): the logits are the pixels.
  const m = tf.sequential();
  m.add(tf.layers.flatten({ inputShape: [1, 1, 4], name: 'flat' }));
  m.add(tf.layers.dense({ units: 4, useBias: false, kernelInitializer: 'identity', name: 'id' }));
  identity = await loadGraph(await saveToTemp(m));
});

function setOf(rows: number[][], labels: number[]) {
  return { images: Float32Array.from(rows.flat()), labels: Int32Array.from(labels), originalLabels: Int32Array.from(labels), count: rows.length, height: 1, width: 1, channels: 4 };
}

describe('original model scoring', () => {
  it('binary: (pred == t) == (y == t), and restricted p(t) >= 1/2', async () => {
    const params = prepareParams(identity);
    // t = 1. Row 0: argmax 1, y 1 -> both right. Row 1: argmax 2 (not t), y 3 -> published right;
    // p(1) tiny -> restricted right. Row 2: argmax 1 but p(1) < 1/2, y 1 -> published right, restricted wrong.
    // Row 3: argmax 0, y 1 -> published wrong; p(1) < 1/2 -> restricted wrong.
    const set = setOf([[0, 5, 0, 0], [0, 0, 5, 0], [2, 2.1, 2, 2], [3, 1, 0, 0]], [1, 3, 1, 1]);
    const s = await scoreOriginal(identity, params, set, { mode: 'binary', classes: [1] });
    expect(s).toEqual({ accuracy: 3 / 4, accuracyRestricted: 2 / 4, count: 4 });
    disposeParams(params);
  });

  it('multiclass: argmax over all C must be the class; restricted argmax over the target classes only', async () => {
    const params = prepareParams(identity);
    // T = [0, 2]. Row 0: argmax 3 (outside T) -> published wrong, restricted picks 0 -> right.
    const set = setOf([[2, 0, 1, 9], [0, 0, 3, 1], [1, 0, 2, 0]], [0, 2, 0]);
    const s = await scoreOriginal(identity, params, set, { mode: 'multiclass', classes: [0, 2] });
    expect(s).toEqual({ accuracy: 1 / 3, accuracyRestricted: 2 / 3, count: 3 });
    disposeParams(params);
  });
});

describe('cost counts', () => {
  it('counts dense and mask-aware MACs of conv and dense layers', async () => {
    const m = tf.sequential();
    m.add(tf.layers.conv2d({ inputShape: [6, 6, 2], filters: 4, kernelSize: 3, strides: 2, padding: 'same', name: 'c' }));
    m.add(tf.layers.batchNormalization({ name: 'bn' }));
    m.add(tf.layers.flatten({ name: 'f' }));
    m.add(tf.layers.dense({ units: 3, name: 'd' }));
    const g = await loadGraph(await saveToTemp(m));
    // conv: 3x3 out positions x (3*3*2*4 = 72 weights) = 648; dense: 36 x 3 = 108.
    const dense = modelCost(g);
    expect(dense.macs).toBe(9 * 72 + 108);
    expect(dense.flops).toBe(2 * dense.macs);
    expect(dense.maskableParams).toBe(72 + 4 + 108 + 3);
    expect(dense.params).toBe(dense.maskableParams + 4 * 4);

    // Filter masks: keep 1 of 4 conv filters, 2 of 3 neurons.
    const specs = maskSpecs(g, 'filter');
    const masks: MaskSet = { granularity: 'filter', specs, masks: [Uint8Array.of(0, 1, 0, 0), Uint8Array.of(1, 0, 1)] };
    const head = initHead('appended', 'binary', [0], 3, new Rng(1));
    const c = modelCost(g, masks, head);
    expect(c.keptParams).toBe(18 + 1 + 2 * 36 + 2);
    expect(c.macs).toBe(9 * 18 + 2 * 36 + 3 * 2);
    expect(c.params).toBe(16 + c.keptParams + 3 * 2 + 2);
    expect(modelCost(g, fullMasks('weight', maskSpecs(g, 'weight'))).macs).toBe(dense.macs);
  });
});

describe('latency harness', () => {
  it('reports a median per batch size on the active backend', async () => {
    const params = prepareParams(identity);
    const r = await measureLatency((x) => forward(identity, params, x), [1, 1, 4], { batchSizes: [1, 16], warmup: 1, runs: 3 });
    expect(r.backend).toBe(tf.getBackend());
    expect(r.results.map((x) => x.batchSize)).toEqual([1, 16]);
    for (const x of r.results) expect(x.medianMs).toBeGreaterThanOrEqual(x.minMs);
    disposeParams(params);
  });
});
