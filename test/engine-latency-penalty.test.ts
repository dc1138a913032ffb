// The latency penalty [ours]: FLOPs plus a fixed cost per layer still running.
// Its value and gradient against hand computations, its equality with the
// flops penalty at a layer cost of 0, its settings checks, and the probe that
// measures the layer cost on the real backend.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTargetProblem } from '../engine/data/target.js';
import type { TargetProblem } from '../engine/data/types.js';
import { measureLayerCost } from '../engine/eval/layer-cost.js';
import { loadGraph } from '../engine/graph/import.js';
import { prepareParams, type Params } from '../engine/graph/params.js';
import type { Graph } from '../engine/graph/types.js';
import { binarize } from '../engine/masks/binarize.js';
import { keptCounts, latencyCosts, latencyShareOf } from '../engine/masks/latency-penalty.js';
import { maskSpecs, retentionTensor, scoreCosts } from '../engine/masks/masks.js';
import { runSearch, validateSettings, type SearchSettings } from '../engine/search/search.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { saveToTemp, tinyConvNet } from './fixtures/engine/tiny-models.js';
import { trainTinyOnSynthetic } from './fixtures/engine/trained.js';

useEngineBackend();

describe('latency penalty', () => {
  it('costs kept MACs plus a fixed cost per layer with any filter kept, and pushes harder on the last filters', async () => {
    const graph = await loadGraph(await saveToTemp(tinyConvNet({ size: 8, width: 4, classes: 3 })));
    const specs = maskSpecs(graph, 'filter');
    const macs = scoreCosts(graph, specs, 'latency');
    // conv1: 3x3x3 weights at 8x8; conv2: 3x3x4 + bias at 4x4; fc: 4 + bias (as the flops penalty counts).
    expect(macs).toEqual(scoreCosts(graph, specs, 'flops'));
    const L = 1000;
    // conv1 keeps 1 filter, conv2 none, fc all 3.
    const masks = [Uint8Array.of(0, 1, 0, 0), Uint8Array.of(0, 0, 0, 0), Uint8Array.of(1, 1, 1)];
    const total = 4 * 27 * 64 + 4 * 37 * 16 + 3 * 5 + 3 * L;
    const kept = 27 * 64 + L + 3 * 5 + L;
    expect(latencyShareOf(specs, masks, macs, L)).toBeCloseTo(kept / total, 12);

    const scores = [tf.tensor1d([-1, 1, -1, -1]), tf.tensor1d([-1, -1, -1, -1]), tf.tensor1d([1, 1, 1])];
    const counts = keptCounts(scores);
    expect(counts).toEqual([1, 0, 3]);
    const step = latencyCosts(specs, macs, L, counts);
    expect(step.total).toBe(total);
    const share = (...s: tf.Tensor[]) => retentionTensor(specs, s.map((x) => binarize(x)), step.costs, step.total);
    expect(share(...scores).dataSync()[0]).toBeCloseTo(kept / total, 6);
    const grads = tf.grads(share)(scores);
    // Each score's gradient: its MACs plus the layer cost shared by the layer's kept filters.
    grads[0]!.dataSync().forEach((g) => expect(g).toBeCloseTo((27 * 64 + L / 1) / total, 6));
    grads[1]!.dataSync().forEach((g) => expect(g).toBeCloseTo((37 * 16 + L / 1) / total, 6));
    grads[2]!.dataSync().forEach((g) => expect(g).toBeCloseTo((5 + L / 3) / total, 6));
    tf.dispose([...scores, ...grads]);
  });

  it('gives separate bias masks (weight granularity) no layer term', async () => {
    const graph = await loadGraph(await saveToTemp(tinyConvNet({ size: 8, width: 4, classes: 3 })));
    const specs = maskSpecs(graph, 'weight');
    const macs = scoreCosts(graph, specs, 'latency');
    const all = specs.map((s) => s.shape.reduce((a, b) => a * b, 1));
    const { costs, total } = latencyCosts(specs, macs, 500, all);
    const layers = specs.filter((s) => s.role === 'kernel').length;
    expect(total).toBe(specs.reduce((a, s, i) => a + all[i]! * macs[i]!, 0) + layers * 500);
    specs.forEach((s, i) => expect(costs[i]).toBe(s.role === 'bias' ? macs[i] : macs[i]! + 500 / all[i]!));
  });
});

describe('search with the latency penalty', () => {
  let graph: Graph;
  let params: Params;
  let problem: TargetProblem;
  beforeAll(async () => {
    const trained = await trainTinyOnSynthetic();
    graph = await loadGraph(trained.dir);
    params = prepareParams(graph);
    problem = makeTargetProblem(trained.dataset, { mode: 'multiclass', classes: [0, 1, 2], seed: 1 });
  });
  const base: SearchSettings = { granularity: 'filter', head: 'sliced', alpha: 0.5, lrMask: 0.05, lrHead: 0.1, epochs: 3, batchSize: 32, seed: 1 };

  it('equals the flops penalty when a layer costs nothing, and differs when it does', async () => {
    const input = { graph, params, problem, baseline: 1 };
    const flops = await runSearch(input, { ...base, penalty: 'flops' });
    const free = await runSearch(input, { ...base, penalty: 'latency', layerCost: 0 });
    expect(free.finalScores).toEqual(flops.finalScores);
    expect(free.history).toEqual(flops.history.map((h) => ({ ...h, seconds: expect.any(Number) })));
    const costly = await runSearch(input, { ...base, penalty: 'latency', layerCost: 5000 });
    expect(costly.finalScores).not.toEqual(flops.finalScores);
    expect(costly.checkpoint.settings).toMatchObject({ penalty: 'latency', layerCost: 5000 });
    await expect(runSearch(input, { ...base, epochs: 4, penalty: 'latency', layerCost: 10 }, { resumeFrom: costly.checkpoint })).rejects.toThrow(
      /layerCost 5000 -> 10/,
    );
  });

  it('refuses a latency penalty without a layer cost, a layer cost without it, and a bad cost', () => {
    expect(() => validateSettings({ ...base, penalty: 'latency' })).toThrow(/the latency penalty needs layerCost/);
    expect(() => validateSettings({ ...base, penalty: 'flops', layerCost: 5 })).toThrow('layerCost is only for the latency penalty, got penalty flops');
    expect(() => validateSettings({ ...base, layerCost: 5 })).toThrow('layerCost is only for the latency penalty, got penalty params');
    expect(() => validateSettings({ ...base, penalty: 'latency', layerCost: -1 })).toThrow('layerCost must be a number >= 0, got -1');
    expect(() => validateSettings({ ...base, penalty: 'speed' as never })).toThrow('penalty must be params, flops, latency, got speed');
  });
});

describe('layer cost probe', () => {
  it('times wider layers as slower and reports a finite fixed cost in MACs', async () => {
    const before = tf.memory().numTensors;
    const c = await measureLayerCost({ runs: 5, warmup: 1, depth: 3, batchSize: 4 });
    expect(c.backend).toBe(tf.getBackend());
    expect(c.narrowMs).toBeGreaterThan(0);
    expect(c.wideMs).toBeGreaterThan(c.narrowMs);
    expect(Number.isInteger(c.macs) && c.macs >= 0).toBe(true);
    expect(c.msPerMmac).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses probe sizes that cannot be fitted', async () => {
    await expect(measureLayerCost({ narrow: 8, wide: 8 })).rejects.toThrow('layer-cost probe: need 1 <= narrow < wide, depth >= 2, runs >= 1, batch >= 1');
  });
});
