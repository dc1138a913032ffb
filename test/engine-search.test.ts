// The mask search on a model trained in-process on the synthetic dataset:
// it must sparsify while keeping accuracy, keep tensor counts flat, and a
// checkpointed-then-resumed run must equal an uninterrupted one bit for bit.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { augmentBatch } from '../engine/data/augment.js';
import { makeTargetProblem } from '../engine/data/target.js';
import type { TargetProblem } from '../engine/data/types.js';
import { maskedAccuracy } from '../engine/eval/masked-accuracy.js';
import { loadGraph } from '../engine/graph/import.js';
import { prepareParams, type Params } from '../engine/graph/params.js';
import type { Graph } from '../engine/graph/types.js';
import { masksFromScores, wrrOf } from '../engine/masks/masks.js';
import { modelCost } from '../engine/eval/cost.js';
import { decodePlain, encodePlain } from '../engine/plain-codec.js';
import { initHead } from '../engine/search/head.js';
import {
  SearchAbortedError,
  runSearch,
  type EpochRecord,
  type SearchCheckpoint,
  type SearchResult,
  type SearchSettings,
} from '../engine/search/search.js';
import { Rng } from '../engine/random.js';
import { masksCutNetwork } from '../engine/masks/cut.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { trainTinyOnSynthetic } from './fixtures/engine/trained.js';

useEngineBackend();

let graph: Graph;
let params: Params;
let multi: TargetProblem;
let binary: TargetProblem;

beforeAll(async () => {
  const trained = await trainTinyOnSynthetic();
  graph = await loadGraph(trained.dir);
  params = prepareParams(graph);
  multi = makeTargetProblem(trained.dataset, { mode: 'multiclass', classes: [0, 1, 2], seed: 1 });
  binary = makeTargetProblem(trained.dataset, { mode: 'binary', classes: [1], seed: 1 });
});

const base: SearchSettings = {
  granularity: 'weight',
  head: 'sliced',
  alpha: 1,
  lrMask: 0.05,
  lrHead: 0.1,
  epochs: 10,
  batchSize: 32,
  seed: 1,
};

async function originalAccuracy(problem: TargetProblem, split: 'val' | 'test') {
  const head = initHead('sliced', problem.mode, problem.classes, 4, new Rng(0));
  return maskedAccuracy(graph, params, null, head, problem[split], 256);
}

describe('mask search', () => {
  it('drives WRR well below 1 while keeping accuracy (multiclass, sliced head)', async () => {
    const baseline = await originalAccuracy(multi, 'val');
    const res = await runSearch({ graph, params, problem: multi, baseline }, base);
    expect(res.selected.rule).toBe('min-wrr-at-baseline');
    expect(res.selected.wrr).toBeLessThan(0.6);
    expect(wrrOf(res.masks)).toBeCloseTo(res.selected.wrr, 12);
    const testAcc = await maskedAccuracy(graph, params, res.masks, res.head, multi.test, 256);
    expect(testAcc).toBeGreaterThanOrEqual((await originalAccuracy(multi, 'test')) - 0.05);
  });

  it('sparsifies with the appended head and head-only epochs (binary)', async () => {
    const baseline = await originalAccuracy(binary, 'val');
    const res = await runSearch({ graph, params, problem: binary, baseline }, { ...base, head: 'appended' });
    expect(res.history.map((h) => h.phase).slice(0, 6)).toEqual(['head', 'joint', 'joint', 'joint', 'joint', 'head']);
    // Head-only epochs never move the masks.
    expect(res.history[5]!.wrr).toBe(res.history[4]!.wrr);
    expect(res.selected.wrr).toBeLessThan(0.8);
    expect(res.selected.valAccuracy).toBeGreaterThanOrEqual(baseline);
  });

  it('select last gives way to the latest epoch whose masks leave input and output connected', async () => {
    // Epoch 0 trains the head only (masks full); a huge alpha then masks every filter in epoch 1, cutting input from output.
    const settings: SearchSettings = { ...base, head: 'appended', granularity: 'filter', alpha: 50, lrMask: 0.5, epochs: 2, select: 'last' };
    const res = await runSearch({ graph, params, problem: multi, baseline: 1.01 }, settings);
    const [first] = res.history as [EpochRecord, EpochRecord];
    expect(masksCutNetwork(graph, masksFromScores('filter', res.masks.specs, res.finalScores))).toBe(true);
    expect(res.selected).toEqual({ epoch: 0, valAccuracy: first.valAccuracy, wrr: 1, rule: 'last-connected' });
    expect(res.masks.masks.every((m) => m.every((v) => v === 1))).toBe(true);
    expect(await maskedAccuracy(graph, params, res.masks, res.head, multi.val, 256)).toBeCloseTo(first.valAccuracy, 12);
  });

  it('stopMidEpoch ends the search at the first step at or below stopAtWrr, nearer the asked size than an epoch-end stop', async () => {
    // Adam moves every score at about the same pace: here WRR goes 1 -> 0.90 -> 0.46 -> 0.40 in three steps of epoch 3.
    const settings: SearchSettings = { ...base, epochs: 8, stopAtWrr: 0.95 };
    const input = { graph, params, problem: multi, baseline: 1 };
    const byEpoch = await runSearch(input, settings);
    const byStep = await runSearch(input, { ...settings, stopMidEpoch: true });
    const [e, st] = [byEpoch.history.at(-1)!, byStep.history.at(-1)!];
    expect(byStep.stoppedEarly).toBe(true);
    expect(byStep.history.length).toBe(byEpoch.history.length);
    expect(e.wrr).toBeLessThan(0.5);
    expect(st.wrr).toBeLessThanOrEqual(0.95);
    expect(st.wrr).toBeGreaterThan(0.8);
    // Resumed from a checkpoint inside the stopping epoch, it stops at the same step.
    const saved: SearchCheckpoint[] = [];
    await runSearch(input, { ...settings, stopMidEpoch: true }, { checkpointEverySteps: 1, onCheckpoint: (c) => void saved.push(decodePlain<SearchCheckpoint>(encodePlain(c))) });
    const inside = saved.find((c) => c.epoch === st.epoch && c.step === 1)!;
    const resumed = await runSearch(input, { ...settings, stopMidEpoch: true }, { resumeFrom: inside });
    expect(resumed.finalScores).toEqual(byStep.finalScores);
    expect(resumed.history.at(-1)!.wrr).toBe(st.wrr);
    // Without a WRR to stop at, the flag is refused.
    await expect(runSearch(input, { ...base, stopMidEpoch: true })).rejects.toThrow('stopMidEpoch needs stopAtWrr');
  });

  it('removes whole filters at filter granularity', async () => {
    const baseline = await originalAccuracy(multi, 'val');
    // One score decides a whole filter, so a gentler alpha than per weight.
    const res = await runSearch({ graph, params, problem: multi, baseline }, { ...base, granularity: 'filter', alpha: 0.2, epochs: 8 });
    expect(res.masks.specs.map((s) => s.role)).toEqual(['filter', 'filter', 'filter']);
    expect(res.selected.wrr).toBeLessThan(0.7);
    expect(res.selected.valAccuracy).toBeGreaterThanOrEqual(baseline);
    expect(res.masks.masks.some((m) => m.includes(0))).toBe(true);
  });

  it('select last returns the final epoch\'s masks and head, where the validation rule falls back to an earlier one', async () => {
    // Multiclass, baseline out of reach: the rule keeps the best (acc - WRR) epoch, while a strong alpha keeps shrinking the masks.
    const settings: SearchSettings = { ...base, head: 'appended', granularity: 'filter', alpha: 3, lrMask: 0.1, epochs: 3, headOnlyEvery: 0 };
    const byRule = await runSearch({ graph, params, problem: multi, baseline: 1.01 }, settings);
    const byLast = await runSearch({ graph, params, problem: multi, baseline: 1.01 }, { ...settings, select: 'last' });
    expect(byLast.history).toEqual(byRule.history.map((h) => ({ ...h, seconds: expect.any(Number) })));
    const last = byLast.history.at(-1)!;
    // Thin but connected, so no fall-back to an earlier epoch.
    expect(masksCutNetwork(graph, byLast.masks)).toBe(false);
    expect(byLast.selected).toEqual({ epoch: last.epoch, valAccuracy: last.valAccuracy, wrr: last.wrr, rule: 'last-epoch' });
    expect(byLast.masks.masks).toEqual(masksFromScores('filter', byLast.masks.specs, byLast.finalScores).masks);
    expect(wrrOf(byLast.masks)).toBeCloseTo(last.wrr, 12);
    expect(await maskedAccuracy(graph, params, byLast.masks, byLast.head, multi.val, 256)).toBeCloseTo(last.valAccuracy, 12);
    expect(byRule.selected.rule).toBe('max-acc-minus-wrr');
    expect(byRule.selected.epoch).toBeLessThan(last.epoch);
    await expect(runSearch({ graph, params, problem: multi, baseline: 1 }, { ...settings, select: 'first' as never })).rejects.toThrow('select must be validation or last, got first');
  });

  it('keeps tf.memory().numTensors flat across steps and releases everything at the end', async () => {
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    await runSearch({ graph, params, problem: multi, baseline: 1 }, { ...base, head: 'appended', epochs: 3 }, {
      onStep: () => counts.push(tf.memory().numTensors),
    });
    expect(new Set(counts).size).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('checkpoint and resume', () => {
  const settings: SearchSettings = { ...base, head: 'appended', epochs: 7, augment: true };
  const augmenter = (img: Float32Array, n: number, h: number, w: number, c: number, rng: Rng) => augmentBatch(img, n, h, w, c, rng, { pad: 1 });
  const comparable = (r: SearchResult) => ({
    finalScores: r.finalScores,
    masks: r.masks.masks,
    head: r.head,
    selected: r.selected,
    history: r.history.map(({ seconds: _s, ...rest }) => rest),
  });

  it('resuming from a mid-epoch checkpoint equals the uninterrupted run, bit for bit', async () => {
    const baseline = await originalAccuracy(multi, 'val');
    const input = { graph, params, problem: multi, baseline };
    const full = await runSearch(input, settings, { augmenter, fingerprint: 'fp' });

    const ctl = new AbortController();
    let saved: SearchCheckpoint | undefined;
    const stopped = await runSearch(input, settings, {
      augmenter,
      fingerprint: 'fp',
      signal: ctl.signal,
      onStep: (p) => {
        if (p.epoch === 2 && p.step === 3) ctl.abort();
      },
      onCheckpoint: (c) => {
        saved = c;
      },
    }).catch((e: unknown) => e);
    expect(stopped).toBeInstanceOf(SearchAbortedError);
    expect(saved).toMatchObject({ epoch: 2, step: 3 });

    // Through bytes, as a file or artifact store would carry it.
    const restored = decodePlain<SearchCheckpoint>(encodePlain(saved));
    const resumed = await runSearch(input, settings, { augmenter, fingerprint: 'fp', resumeFrom: restored });
    expect(comparable(resumed)).toEqual(comparable(full));
  });

  it('refuses a checkpoint from different settings or data', async () => {
    const input = { graph, params, problem: multi, baseline: 1 };
    const first = await runSearch(input, { ...base, epochs: 1 }, { fingerprint: 'a' });
    await expect(runSearch(input, { ...base, epochs: 2, alpha: 2 }, { fingerprint: 'a', resumeFrom: first.checkpoint })).rejects.toThrow(
      /alpha 1 -> 2/,
    );
    await expect(runSearch(input, { ...base, epochs: 2 }, { fingerprint: 'b', resumeFrom: first.checkpoint })).rejects.toThrow(
      /model\/data\/target differ/,
    );
    await expect(runSearch(input, { ...base, epochs: 2, penalty: 'flops' }, { fingerprint: 'a', resumeFrom: first.checkpoint })).rejects.toThrow(
      /penalty params -> flops/,
    );
  });

  it('the flops penalty removes more of the FLOPs than the params penalty does', async () => {
    const settings = { ...base, granularity: 'filter' as const, alpha: 0.2, epochs: 4 };
    const flopsShare = async (penalty: 'params' | 'flops') => {
      const res = await runSearch({ graph, params, problem: multi, baseline: 1 }, { ...settings, penalty });
      const masks = masksFromScores('filter', res.masks.specs, res.finalScores);
      return { flops: modelCost(graph, masks).macs / modelCost(graph).macs, wrr: wrrOf(masks) };
    };
    const byParams = await flopsShare('params');
    const byFlops = await flopsShare('flops');
    expect(byFlops.flops).toBeLessThan(byParams.flops - 0.05);
  });
});
