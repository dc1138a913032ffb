// [ours] Fine-tuning a binary target with fresh negatives every epoch: it
// trains on other images than the fixed sample, keeps masked-out weights at
// zero, resumes to the same weights, refuses a checkpoint of a fixed-negatives
// run, and `seamflow reengineer --finetune-fresh-negatives` records it (with
// --select last, the search's final masks, as fine-tuned recipes use it).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../cli/commands/reengineer.js';
import { UsageError } from '../cli/usage-error.js';
import { makeTargetProblem, unusedNegatives } from '../engine/data/target.js';
import type { ImageSet, TargetProblem } from '../engine/data/types.js';
import { finetuneReengineered, type FinetuneCheckpoint, type FinetuneInput } from '../engine/finetune/finetune.js';
import { finetuneSettingsFor, type FinetuneSettings } from '../engine/finetune/settings.js';
import { loadGraph } from '../engine/graph/import.js';
import { disposeParams, prepareParams } from '../engine/graph/params.js';
import type { Graph } from '../engine/graph/types.js';
import { runSearch } from '../engine/search/search.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { trainTinyOnSynthetic, type Trained } from './fixtures/engine/trained.js';
import { maskedOutValues } from './helpers/masked-out.js';
import { tempDir } from './helpers/temp-dir.js';

useEngineBackend();

let trained: Trained;
let input: FinetuneInput;
const tmp = tempDir('seamflow-fresh-');
afterAll(() => tmp.remove());

const fixed: FinetuneSettings = finetuneSettingsFor({ epochs: 2, lr: 0.05 }, { batchSize: 16, augment: false, seed: 5 });
const fresh: FinetuneSettings = finetuneSettingsFor({ epochs: 2, lr: 0.05, freshNegatives: true }, { batchSize: 16, augment: false, seed: 5 });

beforeAll(async () => {
  trained = await trainTinyOnSynthetic();
  const graph: Graph = await loadGraph(trained.dir);
  const opts = { mode: 'binary' as const, classes: [1], seed: 1 };
  const problem: TargetProblem = makeTargetProblem(trained.dataset, opts);
  const unused: ImageSet = unusedNegatives(trained.dataset, opts);
  const params = prepareParams(graph);
  try {
    const search = await runSearch(
      { graph, params, problem, baseline: 1.01 },
      { granularity: 'filter', head: 'appended', alpha: 3, lrMask: 0.2, lrHead: 0.1, epochs: 3, batchSize: 32, seed: 2, headOnlyEvery: 0 },
    );
    input = { graph, masks: search.masks, head: search.head, problem, unusedNegatives: unused };
  } finally {
    disposeParams(params);
  }
});

const weightsOf = (g: Graph) => g.nodes.flatMap((n) => Object.values(n.weights).map((w) => Array.from(w!.data)));

describe('finetuneReengineered with fresh negatives', () => {
  it('is asked for in the settings only when requested', () => {
    expect(fresh.freshNegatives).toBe(true);
    expect('freshNegatives' in fixed).toBe(false);
  });

  it('trains on other negatives than the fixed sample, masked-out weights staying zero', async () => {
    const last: FinetuneCheckpoint[] = [];
    const a = await finetuneReengineered(input, fixed, { onCheckpoint: (c) => void (last[0] = c) });
    const b = await finetuneReengineered(input, fresh, { onCheckpoint: (c) => void (last[1] = c) });
    expect(input.unusedNegatives!.count).toBeGreaterThan(input.problem.train.count);
    // Epoch 0 draws other negatives than the problem's: the losses and the trained weights part ways.
    expect(b.history[0]!.loss).not.toBe(a.history[0]!.loss);
    expect(last[1]!.train.model).not.toEqual(last[0]!.train.model);
    const zeros = maskedOutValues(input.masks, b.graph);
    expect(zeros.length).toBeGreaterThan(0);
    expect(zeros.every((v) => v === 0)).toBe(true);
    expect(b.valAccuracy).toBeGreaterThanOrEqual(b.startValAccuracy);
  });

  it('resumes from an epoch-end checkpoint to the same weights, and refuses a fixed-negatives checkpoint', async () => {
    const freshCks: FinetuneCheckpoint[] = [];
    const full = await finetuneReengineered(input, fresh, { onCheckpoint: (c) => void freshCks.push(c) });
    const resumed = await finetuneReengineered(input, fresh, { resumeFrom: freshCks[0] });
    expect(resumed.history.map((h) => h.loss)).toEqual(full.history.map((h) => h.loss));
    expect(weightsOf(resumed.graph)).toEqual(weightsOf(full.graph));

    const fixedCks: FinetuneCheckpoint[] = [];
    await finetuneReengineered(input, { ...fixed, epochs: 1 }, { onCheckpoint: (c) => void fixedCks.push(c) });
    await expect(finetuneReengineered(input, { ...fresh, epochs: 1 }, { resumeFrom: fixedCks[0] })).rejects.toThrow('checkpoint does not match this training run: model/data differ');
  });

  it('refuses a multiclass problem and a missing pool with clear messages', async () => {
    const multi = makeTargetProblem(trained.dataset, { mode: 'multiclass', classes: [0, 1], seed: 1 });
    await expect(finetuneReengineered({ ...input, problem: multi }, fresh)).rejects.toThrow(
      'fresh negatives need a binary target (one class against the rest); a multiclass problem already trains on every image of its classes',
    );
    const { unusedNegatives: _, ...withoutPool } = input;
    await expect(finetuneReengineered(withoutPool, fresh)).rejects.toThrow('fresh negatives need the unused negatives of the problem');
  });
});

describe('seamflow reengineer --finetune-fresh-negatives', () => {
  const base = ['--direct', '--granularity', 'filter', '--alpha', '3', '--lr-mask', '0.2', '--epochs', '2', '--batch', '32', '--seed', '2'];

  it('fine-tunes the last epoch\'s masks (--select last) with fresh negatives and says so in the report', async () => {
    const dir = path.join(tmp.path, 'run');
    const code = await run(['--model', trained.dir, '--data', 'synthetic', '--target', '1', ...base, '--select', 'last', '--finetune-epochs', '2', '--finetune-fresh-negatives', '--out', dir]);
    expect(code).toBe(0);
    const report = JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8'));
    expect(report.search).toMatchObject({ selectionRule: 'last-epoch', bestEpoch: report.search.history.length - 1 });
    expect(report.finetune.settings).toMatchObject({ epochs: 2, freshNegatives: true });
    expect(report.finetune.history).toHaveLength(2);
  });

  it('names a multiclass target and a missing --finetune-epochs', async () => {
    const cases: [string[], string][] = [
      [['--target', '0,1', '--finetune-epochs', '2', '--finetune-fresh-negatives'], 'fresh negatives need a binary target (one class against the rest); a multiclass problem already trains on every image of its classes'],
      [['--target', '1', '--finetune-fresh-negatives'], '--finetune-fresh-negatives needs --finetune-epochs N (N >= 1)'],
    ];
    for (const [extra, message] of cases) {
      const err = await run(['--model', trained.dir, '--data', 'synthetic', ...base, ...extra, '--out', path.join(tmp.path, 'bad')]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toBe(message);
    }
  });
});
