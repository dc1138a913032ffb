// `seamflow train` and `seamflow defect` end to end on the synthetic set:
// both methods, both attacks, resume, and a clear message for each bad input.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as defect } from '../cli/commands/defect.js';
import { run as train } from '../cli/commands/train.js';
import { UsageError } from '../cli/usage-error.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { tempDir } from './helpers/temp-dir.js';

useEngineBackend();
process.env.SEAMFLOW_LOG_LEVEL = 'warn';

const tmp = tempDir('seamflow-defect-cli-');
afterAll(() => tmp.remove());
const out = (name: string) => path.join(tmp.path, name);
const teacher = out('teacher');
const trainArgs = (dir: string) => [
  '--arch', 'cnn', '--width', '0.5', '--data', 'synthetic', '--epochs', '5', '--batch', '32', '--lr', '0.05',
  '--poison', 'trigger=patch:3x3:bottom-right,rate=0.1,target=0', '--out', dir,
];
const json = async (file: string) => JSON.parse(await readFile(file, 'utf8'));

beforeAll(async () => {
  expect(await train(trainArgs(teacher))).toBe(0);
});

describe('seamflow train', () => {
  it('writes a model folder and meta.json with accuracy and the backdoor', async () => {
    const meta = await json(path.join(teacher, 'meta.json'));
    expect(meta).toMatchObject({ arch: 'cnn', classes: ['class0', 'class1', 'class2', 'class3'], poison: { trigger: 'patch:3x3:bottom-right', target: 0, rate: 0.1 } });
    expect(meta.dataset).toMatch(/^synthetic:/);
    expect(meta.testAccuracy).toBeGreaterThan(0.9);
    expect(meta.poison.asr).toBeGreaterThan(80);
    expect(meta.history).toHaveLength(5);
  });

  it('--resume of a finished run reproduces the same model', async () => {
    const before = await readFile(path.join(teacher, 'weights.bin'));
    expect(await train([...trainArgs(teacher), '--resume'])).toBe(0);
    expect(await readFile(path.join(teacher, 'weights.bin'))).toEqual(before);
  });
});

describe('seamflow defect', () => {
  it.each([
    ['standard', 'pgd'],
    ['standard', 'backdoor'],
    ['seam', 'pgd'],
    ['seam', 'backdoor'],
  ])('%s reuse, %s attack: report.json with accuracy, the attack measure, settings and timings', async (method, attack) => {
    const dir = out(`${method}-${attack}`);
    const code = await defect([
      '--teacher', teacher, '--data', 'synthetic', '--target', '0,1,2', '--method', method, '--attack', attack,
      '--epochs', '2', '--batch', '32', '--lr-mask', '0.2', '--search-epochs', '8', '--pgd-steps', '4', '--limit', '128', '--seed', '2', '--out', dir,
    ]);
    expect(code).toBe(0);
    const r = await json(path.join(dir, 'report.json'));
    expect(r.method).toBe(method);
    expect(r.student.accuracy).toBeGreaterThan(0.5);
    expect(r.attack.kind).toBe(attack);
    expect(typeof (attack === 'pgd' ? r.attack.dir : r.attack.asr)).toBe('number');
    expect(r.settings.reuse).toMatchObject({ method, epochs: 2, batchSize: 32, seed: 2 });
    expect(r.data).toMatchObject({ limit: 128 });
    expect(r.timings.total).toBeGreaterThan(0);
    if (method === 'seam') expect(r.seam.removed).toBeGreaterThanOrEqual(0.6);
    expect(JSON.parse(await readFile(path.join(dir, 'student', 'model.json'), 'utf8')).format).toBe('layers-model');
  });
});

describe('bad inputs', () => {
  const base = ['--data', 'synthetic', '--target', '0,1', '--method', 'standard', '--attack', 'pgd', '--out', out('bad')];
  const fails = async (fn: (a: string[]) => Promise<number>, args: string[], message: RegExp) => {
    const err = await fn(args).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
  };

  it.each([
    [['--teacher', '/nonexistent/teacher', ...base], /--teacher \/nonexistent\/teacher: no such folder/],
    [['--teacher', teacher, ...base.map((a) => (a === '0,1' ? '0,9' : a))], /class 9 is out of range 0..3|out of range 0..3/],
    [['--teacher', teacher, ...base.map((a) => (a === '0,1' ? 'x' : a))], /--target: .*"x" is not a class id/],
    [['--teacher', teacher, ...base, '--prune-threshold', '1.2'], /--prune-threshold must be a number strictly between 0 and 1, got "1.2"/],
    [['--teacher', teacher, ...base, '--prune-threshold', '0'], /strictly between 0 and 1/],
    [['--teacher', teacher, ...base.map((a) => (a === 'standard' ? 'prune' : a))], /--method must be standard or seam/],
    [['--teacher', teacher, ...base.map((a) => (a === 'pgd' ? 'fgsm' : a))], /--attack must be pgd or backdoor/],
    [['--teacher', teacher, ...base.map((a) => (a === '0,1' ? '1,2' : a === 'pgd' ? 'backdoor' : a))], /trigger's class 0 is not among the target classes \[1, 2\]/],
    [['--data', 'synthetic'], /--teacher is required/],
  ])('defect %#', async (args, message) => {
    await fails(defect, args as string[], message);
  });

  it('backdoor attack on a teacher without a trigger', async () => {
    const clean = out('clean-teacher');
    expect(await train(['--arch', 'cnn', '--width', '0.25', '--data', 'synthetic', '--epochs', '1', '--batch', '64', '--lr', '0.05', '--out', clean])).toBe(0);
    await fails(defect, ['--teacher', clean, ...base.map((a) => (a === 'pgd' ? 'backdoor' : a))], /has no backdoor trigger in its meta.json/);
  });

  it.each([
    [['--arch', 'resnet99', '--data', 'synthetic', '--epochs', '1', '--batch', '8', '--lr', '0.1', '--out', out('x')], /--arch must be one of resnet20, resnet32, vgg11, cnn/],
    [['--arch', 'cnn', '--data', 'synthetic', '--epochs', '1', '--batch', '8', '--lr', '0.1', '--out', out('x'), '--poison', 'trigger=patch:3x3,rate=0.1,target=0'], /is not patch:HxW:CORNER/],
    [['--arch', 'cnn', '--data', 'synthetic', '--epochs', '1', '--batch', '8', '--lr', '0.1', '--out', out('x'), '--poison', 'trigger=patch:3x3:top-left,rate=0.1,target=7'], /poison target class 7 is out of range 0..3/],
    [['--arch', 'cnn', '--data', 'synthetic', '--epochs', '0', '--batch', '8', '--lr', '0.1', '--out', out('x')], /--epochs must be an integer >= 1/],
    [['--arch', 'cnn', '--data', 'synthetic', '--epochs', '1', '--batch', '8', '--lr', '0.1', '--out', out('fresh'), '--resume'], /--resume: no checkpoint at/],
    [['--arch', 'cnn', '--data', 'nosuch', '--epochs', '1', '--batch', '8', '--lr', '0.1', '--out', out('x')], /unknown dataset "nosuch"/],
    [['--arch', 'cnn', '--epochs', '1', '--batch', '8', '--lr', '0.1', '--out', out('x')], /--data is required/],
  ])('train %#', async (args, message) => {
    await fails(train, args as string[], message);
  });
});
