// [ours] Fine-tuning after the search: masked-out weights stay exactly zero,
// the trained model reaches at least the search model's accuracy on data it
// can learn, a stopped fine-tuning resumes to the same weights, the compact
// export of the tuned model equals it, and `seamflow reengineer
// --finetune-epochs` ships the tuned model with its report section.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../cli/commands/reengineer.js';
import { UsageError } from '../cli/usage-error.js';
import { makeTargetProblem } from '../engine/data/target.js';
import type { TargetProblem } from '../engine/data/types.js';
import { compactGraph } from '../engine/export/compact.js';
import { finetuneReengineered } from '../engine/finetune/finetune.js';
import { checkFinetunableHead, finetuneSettingsFor, type FinetuneSettings } from '../engine/finetune/settings.js';
import { forward } from '../engine/graph/forward.js';
import { loadGraph } from '../engine/graph/import.js';
import { disposeParams, prepareParams } from '../engine/graph/params.js';
import type { Graph } from '../engine/graph/types.js';
import { maskedAccuracy } from '../engine/eval/masked-accuracy.js';
import { runSearch, type SearchResult } from '../engine/search/search.js';
import type { FinetuneCheckpoint } from '../engine/finetune/finetune.js';
import { accuracyOf, predictClasses } from '../engine/train/predict.js';
import * as tf from '@tensorflow/tfjs';
import { maskedOutValues } from './helpers/masked-out.js';
import { tempDir } from './helpers/temp-dir.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { trainTinyOnSynthetic, type Trained } from './fixtures/engine/trained.js';

useEngineBackend();

let trained: Trained;
let graph: Graph;
let problem: TargetProblem;
let search: SearchResult;
let searchAccuracy: number;
const tmp = tempDir('seamflow-finetune-');
afterAll(() => tmp.remove());

const settings: FinetuneSettings = finetuneSettingsFor({ epochs: 3, lr: 0.05 }, { batchSize: 16, augment: false, seed: 5 });

beforeAll(async () => {
  trained = await trainTinyOnSynthetic();
  graph = await loadGraph(trained.dir);
  problem = makeTargetProblem(trained.dataset, { mode: 'multiclass', classes: [0, 1, 2], seed: 1 });
  const params = prepareParams(graph);
  try {
    // A strong regulariser: many filters go, the frozen weights lose accuracy.
    search = await runSearch(
      { graph, params, problem, baseline: 1.01 },
      { granularity: 'filter', head: 'appended', alpha: 1, lrMask: 0.1, lrHead: 0.1, epochs: 3, batchSize: 32, seed: 2, headOnlyEvery: 0 },
    );
    searchAccuracy = await maskedAccuracy(graph, params, search.masks, search.head, problem.val, 256);
  } finally {
    disposeParams(params);
  }
});

describe('finetuneReengineered', () => {
  it('keeps masked-out weights at zero and does not lose the search model\'s accuracy', async () => {
    expect(search.masks.masks.some((m) => m.includes(0))).toBe(true);
    const tuned = await finetuneReengineered({ graph, masks: search.masks, head: search.head, problem }, settings);
    const zeros = maskedOutValues(search.masks, tuned.graph);
    expect(zeros.length).toBeGreaterThan(0);
    expect(zeros.every((v) => v === 0)).toBe(true);
    expect(tuned.history.map((h) => h.epoch)).toEqual([0, 1, 2]);
    const val = accuracyOf(await predictClasses(tuned.graph, problem.val), problem.val.labels);
    expect(tuned.valAccuracy).toBeCloseTo(val, 12);
    expect(tuned.startValAccuracy).toBeCloseTo(searchAccuracy, 12);
    expect(val).toBeGreaterThan(searchAccuracy + 0.1);
    expect(tuned.selectedEpoch).toBeGreaterThanOrEqual(0);
  });

  it('keeps the search model when no epoch beats it on validation', async () => {
    // A learning rate far too high wrecks the weights in the first steps.
    const tuned = await finetuneReengineered({ graph, masks: search.masks, head: search.head, problem }, { ...settings, epochs: 2, lr: 50 });
    expect(tuned.history.every((h) => h.valAccuracy <= tuned.startValAccuracy)).toBe(true);
    expect(tuned.selectedEpoch).toBe(-1);
    expect(tuned.valAccuracy).toBe(tuned.startValAccuracy);
    const val = accuracyOf(await predictClasses(tuned.graph, problem.val), problem.val.labels);
    expect(val).toBeCloseTo(searchAccuracy, 12);
  });

  it('resumes from an epoch-end checkpoint to the same weights', async () => {
    const checkpoints: FinetuneCheckpoint[] = [];
    const full = await finetuneReengineered({ graph, masks: search.masks, head: search.head, problem }, settings, { onCheckpoint: (c) => void checkpoints.push(c) });
    const resumed = await finetuneReengineered({ graph, masks: search.masks, head: search.head, problem }, settings, { resumeFrom: checkpoints[0] });
    expect(resumed.history.map((h) => h.valAccuracy)).toEqual(full.history.map((h) => h.valAccuracy));
    for (const node of full.graph.nodes) {
      for (const [role, w] of Object.entries(node.weights)) expect(resumed.graph.byName.get(node.name)!.weights[role as 'kernel']!.data).toEqual(w!.data);
    }
  });

  it('exports a compact model equal to the tuned one', async () => {
    const tuned = await finetuneReengineered({ graph, masks: search.masks, head: search.head, problem }, { ...settings, epochs: 1 });
    const compact = compactGraph(tuned.graph, {});
    expect(compact.summary.groups.removed).toBeGreaterThan(0);
    const x = tf.randomUniform([8, ...graph.byName.get(graph.input)!.outputShape], 0, 1, 'float32', 3);
    const [a, b] = [tuned.graph, compact.graph].map((g) => {
      const p = prepareParams(g);
      const y = tf.tidy(() => forward(g, p, x));
      disposeParams(p);
      return y;
    });
    expect(tf.max(tf.abs(tf.sub(a!, b!))).dataSync()[0]).toBeLessThan(1e-4);
    tf.dispose([x, a!, b!]);
  });

  it('refuses the sliced binary head and bad settings', async () => {
    expect(() => checkFinetunableHead({ kind: 'sliced', mode: 'binary' })).toThrow(/use the appended head for a binary target/);
    await expect(finetuneReengineered({ graph, masks: search.masks, head: search.head, problem }, { ...settings, epochs: 0 })).rejects.toThrow(
      'fine-tune epochs must be an integer >= 1, got 0',
    );
  });
});

describe('seamflow reengineer --finetune-epochs', () => {
  it('ships the fine-tuned model and reports both accuracies', async () => {
    const dir = path.join(tmp.path, 'run');
    const code = await run([
      '--direct', '--model', trained.dir, '--data', 'synthetic', '--target', '0,1,2', '--granularity', 'filter', '--alpha', '3', '--lr-mask', '0.2',
      '--epochs', '3', '--batch', '32', '--seed', '2', '--finetune-epochs', '4', '--finetune-lr', '0.01', '--out', dir,
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8'));
    expect(report.finetune.settings).toMatchObject({ epochs: 4, lr: 0.01, batchSize: 32, seed: 2 });
    expect(report.finetune.valAccuracy).toBeGreaterThanOrEqual(report.finetune.startValAccuracy);
    expect(report.finetune.gain).toBeGreaterThan(0);
    expect(report.finetune.searchAccuracy).toBe(report.reengineered.accuracy);
    expect(report.finetune.gain).toBeCloseTo(report.finetune.accuracy - report.reengineered.accuracy, 12);
    // The shipped masked model is the tuned one: its test accuracy is the report's.
    const shipped = await loadGraph(path.join(dir, 'masked-model'));
    const test = makeTargetProblem(trained.dataset, { mode: 'multiclass', classes: [0, 1, 2], seed: 2 }).test;
    expect(accuracyOf(await predictClasses(shipped, test), test.labels)).toBeCloseTo(report.finetune.accuracy, 12);
    expect(report.export.ratios.compactToOriginal.flops).toBeLessThan(1);
  });

  it('--resume after a search that ran all its epochs continues the fine-tuning from its checkpoint', async () => {
    const dir = path.join(tmp.path, 'resume');
    const flags = [
      '--direct', '--model', trained.dir, '--data', 'synthetic', '--target', '0,1,2', '--granularity', 'filter', '--alpha', '3', '--lr-mask', '0.2',
      '--epochs', '2', '--batch', '32', '--seed', '2', '--finetune-epochs', '2', '--finetune-lr', '0.01', '--out', dir,
    ];
    expect(await run(flags)).toBe(0);
    const first = JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8'));
    expect(await run([...flags, '--resume'])).toBe(0);
    const second = JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8'));
    // Taken from the final fine-tuning checkpoint, not trained again: even each epoch's measured seconds are the first run's.
    expect(second.finetune.history.map((h: { seconds: number }) => h.seconds).every((v: number) => v > 0)).toBe(true);
    expect(second.finetune.history).toEqual(first.finetune.history);
    expect(second.finetune.accuracy).toBe(first.finetune.accuracy);
  });

  it('names bad fine-tuning flags', async () => {
    const base = ['--direct', '--model', trained.dir, '--data', 'synthetic', '--target', '1', '--epochs', '1', '--out', path.join(tmp.path, 'bad')];
    const cases: [string[], string | RegExp][] = [
      [['--finetune-epochs=-1'], '--finetune-epochs must be an integer >= 0, got "-1"'],
      [['--finetune-lr', '0.1'], '--finetune-lr needs --finetune-epochs N (N >= 1)'],
      [['--finetune-epochs', '2', '--finetune-lr', '0'], '--finetune-lr must be a number > 0, got "0"'],
      [['--finetune-distill', '0.5'], '--finetune-distill needs --finetune-epochs N (N >= 1)'],
      [['--finetune-epochs', '2', '--finetune-distill', '1.5'], '--finetune-distill must be a number in [0, 1], got "1.5"'],
      [['--finetune-epochs', '2', '--finetune-temperature', '3'], '--finetune-temperature needs --finetune-distill W (W > 0)'],
      [['--finetune-epochs', '2', '--finetune-distill', '0.5', '--finetune-temperature=-1'], '--finetune-temperature must be a number > 0, got "-1"'],
      [['--finetune-epochs', '2', '--head', 'sliced'], /use the appended head for a binary target/],
    ];
    for (const [extra, message] of cases) {
      const err = await run([...base, ...extra]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UsageError);
      if (typeof message === 'string') expect((err as Error).message).toBe(message);
      else expect((err as Error).message).toMatch(message);
    }
  });
});
