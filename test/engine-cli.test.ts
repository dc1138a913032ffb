// `seamflow reengineer` end to end on the synthetic set with a tiny model
// trained in the test: outputs, resume, and a clear message for every bad input.
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../cli/commands/reengineer.js';
import { UsageError } from '../cli/usage-error.js';
import { makeTargetProblem } from '../engine/data/target.js';
import { fileSystemHandler } from '../engine/graph/fs-io.js';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { trainTinyOnSynthetic, type Trained } from './fixtures/engine/trained.js';

useEngineBackend();

let trained: Trained;
const tmp = tempDir('seamflow-cli-');
afterAll(() => tmp.remove());

beforeAll(async () => {
  trained = await trainTinyOnSynthetic();
});

const out = (name: string) => path.join(tmp.path, name);
const quiet = { ...process.env, SEAMFLOW_LOG_LEVEL: 'warn', SEAMFLOW_BACKEND: 'wasm', SEAMFLOW_WASM_THREADS: '1' };

describe('seamflow reengineer', () => {
  it('writes report, masks, checkpoint and a masked model that plain TF.js loads', async () => {
    const dir = out('e2e');
    const res = await runCli(
      ['reengineer', '--direct', '--model', trained.dir, '--data', 'synthetic', '--target', '0,1,2', '--epochs', '6', '--batch', '32', '--seed', '3', '--out', dir],
      quiet,
    );
    expect(res.stderr + res.stdout).toContain('re-engineered accuracy');
    expect(res.code).toBe(0);
    const report = JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8'));
    expect(report.target).toEqual({ mode: 'multiclass', classes: [0, 1, 2], classNames: ['class0', 'class1', 'class2'] });
    expect(report.search).toMatchObject({ epochs: 6, backend: 'wasm' });
    expect(report.search.history).toHaveLength(6);
    expect(report.reengineered.wrr).toBeLessThan(1);
    expect(report.reengineered.flops).toBeLessThan(report.original.flops);
    for (const k of ['accuracy', 'accuracyRestricted', 'params', 'flops']) expect(typeof report.original[k]).toBe('number');
    const index = JSON.parse(await readFile(path.join(dir, 'masks', 'masks.json'), 'utf8'));
    expect(index.wrr).toBeCloseTo(report.reengineered.wrr, 12);

    // The exported model alone reproduces the reported test accuracy.
    const model = await tf.loadLayersModel(fileSystemHandler(path.join(dir, 'masked-model')));
    const { test } = makeTargetProblem(trained.dataset, { mode: 'multiclass', classes: [0, 1, 2], seed: 3 });
    const pred = Array.from(tf.tidy(() => tf.argMax(model.predict(tf.tensor4d(test.images, [test.count, 8, 8, 3])) as tf.Tensor, 1).dataSync()));
    const acc = pred.reduce((a, p, i) => a + (p === test.labels[i] ? 1 : 0), 0) / test.count;
    expect(acc).toBeCloseTo(report.reengineered.accuracy, 12);
    model.dispose();
  });

  it('--resume continues a finished shorter run to the same result as one long run', async () => {
    const args = (dir: string, epochs: number) => [
      '--direct', '--model', trained.dir, '--data', 'synthetic', '--target', '1', '--head', 'sliced', '--epochs', String(epochs), '--batch', '32', '--out', dir,
    ];
    expect(await run(args(out('long'), 4))).toBe(0);
    expect(await run(args(out('short'), 2))).toBe(0);
    expect(await run([...args(out('short'), 4), '--resume'])).toBe(0);
    const long = JSON.parse(await readFile(path.join(out('long'), 'report.json'), 'utf8'));
    const resumed = JSON.parse(await readFile(path.join(out('short'), 'report.json'), 'utf8'));
    expect(resumed.settings.resumed).toBe(true);
    expect(resumed.reengineered).toEqual(long.reengineered);
    expect(resumed.search.history.map((h: { seconds: number }) => ({ ...h, seconds: 0 }))).toEqual(
      long.search.history.map((h: { seconds: number }) => ({ ...h, seconds: 0 })),
    );
    expect(await readFile(path.join(out('short'), 'masks', 'masks.bin'))).toEqual(await readFile(path.join(out('long'), 'masks', 'masks.bin')));
  });

  it('--direct --defects pgd adds the defects section and both students\' reports; backdoor needs a trigger', async () => {
    const args = (dir: string, attack: string) => [
      '--direct', '--no-export', '--model', trained.dir, '--data', 'synthetic', '--target', '1', '--head', 'sliced', '--epochs', '1', '--batch', '32', '--out', dir,
      '--defects', attack, '--defect-epochs', '1', '--prune-threshold', '0.5',
    ];
    expect(await run(args(out('defects'), 'pgd'))).toBe(0);
    const report = JSON.parse(await readFile(path.join(out('defects'), 'report.json'), 'utf8'));
    expect(report.defects).toMatchObject({ attack: 'pgd', measure: 'DIR', settings: { epochs: 1, pruneThreshold: 0.5 } });
    expect(report.defects.seam.wrr).toBeLessThanOrEqual(0.5 + 1e-9);
    for (const m of ['standard', 'seam']) expect(JSON.parse(await readFile(path.join(out('defects'), 'defects', `${m}.json`), 'utf8')).method).toBe(m);
    const err = await run(args(out('defects-bd'), 'backdoor')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/has no backdoor trigger in its meta\.json/);
  });
});

describe('seamflow reengineer --penalty latency', () => {
  it('measures the layer cost on the active backend when not given, and records it in the report', async () => {
    const dir = out('latency');
    const res = await runCli(
      ['reengineer', '--direct', '--model', trained.dir, '--data', 'synthetic', '--target', '0,1,2', '--granularity', 'filter', '--penalty', 'latency', '--epochs', '2', '--out', dir, '--no-export'],
      quiet,
    );
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/layer cost: fixed cost of a layer on wasm: [\d.]+M MACs per image/);
    const report = JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8'));
    expect(report.settings.penalty).toBe('latency');
    expect(Number.isInteger(report.settings.layerCost) && report.settings.layerCost >= 0).toBe(true);
  });

  it('`seamflow layer-cost --json` prints the measurement', async () => {
    const res = await runCli(['layer-cost', '--json', '--runs', '3', '--batch', '4'], quiet);
    expect(res.code).toBe(0);
    const c = JSON.parse(res.stdout);
    expect(c).toMatchObject({ backend: 'wasm', batchSize: 4 });
    expect(c.wideMs).toBeGreaterThan(c.narrowMs);
  });
});

describe('seamflow reengineer: bad inputs', () => {
  const base = () => ['--model', trained.dir, '--data', 'synthetic', '--target', '0,1', '--epochs', '1', '--out', out('bad'), '--direct'];
  const cases: [string, () => string[], string | RegExp][] = [
    ['missing model folder', () => ['--model', '/nope/model', ...base().slice(2)], 'model folder /nope/model does not exist'],
    ['folder without model.json', () => ['--model', tmp.path, ...base().slice(2)], `model folder ${tmp.path} has no model.json`],
    ['class id out of range', () => [...base(), '--target', '0,7'], /class 7 is out of range 0\.\.3/],
    ['duplicate class', () => [...base(), '--target', '2,2'], /class 2 listed twice/],
    ['binary with two classes', () => [...base(), '--mode', 'binary'], /binary target problem takes exactly one class/],
    ['negative alpha', () => [...base(), '--alpha=-1'], '--alpha must be a number >= 0, got "-1"'],
    ['zero epochs', () => [...base(), '--epochs', '0'], '--epochs must be an integer >= 1, got "0"'],
    ['non-numeric batch', () => [...base(), '--batch', 'big'], '--batch must be an integer >= 1, got "big"'],
    ['zero mask learning rate', () => [...base(), '--lr-mask', '0'], '--lr-mask must be a number > 0, got "0"'],
    ['bad granularity', () => [...base(), '--granularity', 'channel'], '--granularity must be weight or filter, got "channel"'],
    ['bad head', () => [...base(), '--head', 'new'], '--head must be appended or sliced, got "new"'],
    ['bad select', () => [...base(), '--select', 'first'], '--select must be validation or last, got "first"'],
    ['mid-epoch stop without a WRR', () => [...base(), '--stop-mid-epoch'], '--stop-mid-epoch needs --stop-at-wrr'],
    ['bad penalty', () => [...base(), '--penalty', 'speed'], '--penalty must be params or flops or latency, got "speed"'],
    ['layer cost without the latency penalty', () => [...base(), '--penalty', 'flops', '--layer-cost', '5'], '--layer-cost is only for --penalty latency'],
    ['negative layer cost', () => [...base(), '--penalty', 'latency', '--layer-cost=-5'], '--layer-cost must be a number >= 0 (MACs per image), got "-5"'],
    [
      'latency penalty on Temporal without a layer cost',
      () => [...base().filter((a) => a !== '--direct'), '--penalty', 'latency'],
      '--penalty latency on Temporal needs --layer-cost (measure it on a worker with `seamflow layer-cost`)',
    ],
    ['unknown dataset', () => [...base(), '--data', 'imagenet:/x'], /unknown dataset "imagenet"/],
    [
      'input shape mismatch',
      () => [...base(), '--data', 'synthetic:size=16'],
      "model input shape [8, 8, 3] does not match the dataset's images [16, 16, 3] (height, width, channels)",
    ],
    ['class count mismatch', () => [...base(), '--data', 'synthetic:classes=5'], 'model has 4 outputs but dataset synthetic has 5 classes'],
    ['missing --out', () => base().filter((a, i, all) => a !== '--out' && all[i - 1] !== '--out'), '--out is required (see --help)'],
    ['resume without checkpoint', () => [...base(), '--out', out('never'), '--resume'], /--resume: no checkpoint at .*never\/checkpoint/],
  ];
  for (const [name, args, message] of cases) {
    it(name, async () => {
      const err = await run(args()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UsageError);
      if (typeof message === 'string') expect((err as Error).message).toBe(message);
      else expect((err as Error).message).toMatch(message);
    });
  }

  it('names an unsupported layer through the real CLI (exit code 2)', async () => {
    const { writeFile, mkdir, copyFile } = await import('node:fs/promises');
    const dir = out('lstm-model');
    await mkdir(dir, { recursive: true });
    const json = JSON.parse(await readFile(path.join(trained.dir, 'model.json'), 'utf8'));
    json.modelTopology.config.layers[4].class_name = 'LSTM';
    await writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
    await copyFile(path.join(trained.dir, 'weights.bin'), path.join(dir, 'weights.bin'));
    const res = await runCli(['reengineer', '--model', dir, '--data', 'synthetic', '--target', '1', '--out', out('x')], quiet);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('seamflow reengineer: unsupported layer "relu2" of class LSTM');
  });
});
