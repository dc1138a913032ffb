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
import { bypassableNodes } from '../engine/graph/bypassable.js';
import { fixedCostSpecs, keptCounts, latencyCosts, latencyShareOf } from '../engine/masks/latency-penalty.js';
import { maskSpecs, retentionTensor, scoreCosts } from '../engine/masks/masks.js';
import { parseStartRun } from '../dashboard/validation.js';
import { runSearch, validateSettings, type SearchSettings } from '../engine/search/search.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { saveToTemp, tinyConvNet, tinyFunctional } from './fixtures/engine/tiny-models.js';
import { makeSyntheticDataset, SYNTHETIC_DEFAULTS } from '../engine/data/synthetic.js';

useEngineBackend();

describe('latency penalty', () => {
  it('charges the fixed layer cost only to layers the network can lose (residual branches)', async () => {
    const plain = await loadGraph(await saveToTemp(tinyConvNet({ size: 8, width: 4, classes: 3 })));
    expect(fixedCostSpecs(plain, maskSpecs(plain, 'filter'))).toEqual([false, false, false]);
    const branched = await loadGraph(await saveToTemp(tinyFunctional()));
    const specs = maskSpecs(branched, 'filter');
    expect(specs.map((s) => s.node)).toEqual(['stem', 'c2', 'dw', 'c3', 'logits']);
    // c2 and dw are the two branches of one Add; c3 is a branch beside the channel-padding shortcut.
    expect(fixedCostSpecs(branched, specs)).toEqual([false, true, true, true, false]);
    expect([...bypassableNodes(branched)]).toEqual(expect.arrayContaining(['c2', 'dw', 'c3', 'sub', 'chanpad']));
    expect(bypassableNodes(branched).has('stem')).toBe(false);
  });

  it('costs kept MACs plus a fixed cost per losable layer still running, and pushes harder on its last filters', async () => {
    const graph = await loadGraph(await saveToTemp(tinyFunctional()));
    const specs = maskSpecs(graph, 'filter');
    const macs = scoreCosts(graph, specs, 'latency');
    expect(macs).toEqual(scoreCosts(graph, specs, 'flops'));
    const fixed = fixedCostSpecs(graph, specs);
    const L = 1000;
    // stem 6 filters all kept, c2 none, dw 1 of 6, c3 all 8, logits all 4.
    const masks = [new Uint8Array(6).fill(1), new Uint8Array(6), Uint8Array.of(0, 0, 1, 0, 0, 0), new Uint8Array(8).fill(1), new Uint8Array(4).fill(1)];
    const counts = [6, 0, 1, 8, 4];
    const total = specs.reduce((a, s, i) => a + s.shape.reduce((p, d) => p * d, 1) * macs[i]!, 0) + 3 * L;
    const kept = counts.reduce((a, n, i) => a + n * macs[i]!, 0) + 2 * L;
    expect(latencyShareOf(specs, masks, macs, L, fixed)).toBeCloseTo(kept / total, 12);

    const scores = masks.map((m) => tf.tensor(Float32Array.from(m, (v) => (v ? 1 : -1)), [m.length]));
    expect(keptCounts(scores)).toEqual(counts);
    const step = latencyCosts(specs, macs, L, fixed, counts);
    expect(step.total).toBe(total);
    const share = (...s: tf.Tensor[]) => retentionTensor(specs, s.map((x) => binarize(x)), step.costs, step.total);
    expect(share(...scores).dataSync()[0]).toBeCloseTo(kept / total, 6);
    const grads = tf.grads(share)(scores);
    // Each score's gradient: its MACs plus, on a losable layer, the layer cost shared by its kept filters.
    const expected = [macs[0]!, macs[1]! + L, macs[2]! + L, macs[3]! + L / 8, macs[4]!];
    grads.forEach((g, i) => g.dataSync().forEach((v) => expect(v * total).toBeCloseTo(expected[i]!, 1)));
    tf.dispose([...scores, ...grads]);
  });

  it('gives separate bias masks (weight granularity) no layer term', async () => {
    const graph = await loadGraph(await saveToTemp(tinyFunctional()));
    const specs = maskSpecs(graph, 'weight');
    const macs = scoreCosts(graph, specs, 'latency');
    const fixed = fixedCostSpecs(graph, specs);
    expect(specs.filter((_, i) => fixed[i]).map((s) => `${s.node}/${s.role}`)).toEqual(['c2/kernel', 'dw/kernel', 'c3/kernel']);
    const all = specs.map((s) => s.shape.reduce((a, b) => a * b, 1));
    const { costs, total } = latencyCosts(specs, macs, 500, fixed, all);
    expect(total).toBe(specs.reduce((a, _, i) => a + all[i]! * macs[i]!, 0) + 3 * 500);
    specs.forEach((_, i) => expect(costs[i]).toBe(fixed[i] ? macs[i]! + 500 / all[i]! : macs[i]));
  });
});

describe('search with the latency penalty', () => {
  let graph: Graph;
  let params: Params;
  let problem: TargetProblem;
  // Branched (layers it can lose), untrained: the penalty's effect, not accuracy, is under test.
  beforeAll(async () => {
    graph = await loadGraph(await saveToTemp(tinyFunctional()));
    params = prepareParams(graph);
    problem = makeTargetProblem(makeSyntheticDataset(SYNTHETIC_DEFAULTS), { mode: 'multiclass', classes: [0, 1, 2], seed: 1 });
  });
  const base: SearchSettings = { granularity: 'filter', head: 'sliced', alpha: 1, lrMask: 0.1, lrHead: 0.1, epochs: 4, batchSize: 32, seed: 1 };

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

describe('POST /api/runs: search penalty and stop', () => {
  const body = { model: '/m', data: 'synthetic', classes: [1], granularity: 'filter' };
  it('takes the latency penalty with its layer cost and the mid-epoch stop, from JSON or form strings; nothing when absent', () => {
    expect(parseStartRun({ ...body, penalty: 'latency', layerCost: '1400000' }).spec.settings).toMatchObject({ penalty: 'latency', layerCost: 1_400_000 });
    expect(parseStartRun({ ...body, penalty: 'flops' }).spec.settings.penalty).toBe('flops');
    expect(parseStartRun({ ...body, stopAtWrr: 0.5, stopMidEpoch: 'true' }).spec.settings).toMatchObject({ stopAtWrr: 0.5, stopMidEpoch: true });
    const plain = parseStartRun(body).spec.settings;
    expect('penalty' in plain || 'layerCost' in plain).toBe(false);
  });
});

describe('layer cost probe', () => {
  it('times wider layers as slower and reports a finite fixed cost in MACs', async () => {
    const before = tf.memory().numTensors;
    const c = await measureLayerCost({ runs: 5, warmup: 1, depth: 3 });
    expect(c.backend).toBe(tf.getBackend());
    expect(c.wideMs).toBeGreaterThan(c.narrowMs);
    expect(Number.isInteger(c.macs) && c.macs >= 0).toBe(true);
    expect(c.msPerMmac).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses probe sizes that cannot be fitted', async () => {
    await expect(measureLayerCost({ narrow: 8, wide: 8 })).rejects.toThrow('layer-cost probe: need 1 <= narrow < wide, depth >= 2, runs >= 1, batch >= 1');
  });
});
