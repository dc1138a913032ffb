import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { childRunId, keySafeId, overrideZoo, parseJsonWithPositions, parseZoo, planZoo, positionOf, ZooFileError, ZooOverrideError } from '../infra/zoo/index.js';
import { packageRoot } from '../infra/paths.js';
import { leaderboardMarkdown } from '../activities/leaderboard.js';

function issuesOf(text: string): string[] {
  try {
    parseZoo(text, { file: 'zoo.json' });
  } catch (err) {
    expect(err).toBeInstanceOf(ZooFileError);
    return (err as ZooFileError).message.split('\n');
  }
  throw new Error('expected the zoo to be refused');
}

const good = {
  name: 'tiny',
  datasets: { syn: 'synthetic:classes=4' },
  models: [{ name: 'm1', path: '/models/m1' }],
  targets: [{ name: 't0', classes: [0] }, { name: 'pair', mode: 'multiclass', classes: [1, 2] }],
  settings: { epochs: 2, batchSize: 32, head: 'sliced' },
  concurrency: 2,
};

describe('zoo file: positions', () => {
  it('maps offsets and JSON paths to lines and columns', () => {
    expect(positionOf('a\nbc\nd', 4)).toEqual({ line: 2, column: 3 });
    const { positions, value } = parseJsonWithPositions('{\n  "a": [1,\n    {"b c": "x"}],\n  "d": null\n}');
    expect(value).toEqual({ a: [1, { 'b c': 'x' }], d: null });
    expect(positions.get('a')).toEqual({ line: 2, column: 8 });
    expect(positions.get('a[1]')).toEqual({ line: 3, column: 5 });
    expect(positions.get('a[1]["b c"]')).toEqual({ line: 3, column: 13 });
    expect(positions.get('d')).toEqual({ line: 4, column: 8 });
  });

  it.each([
    ['a trailing comma', '{\n  "name": "x",\n}', 3],
    ['a missing colon', '{\n  "name" "x"\n}', 2],
    ['a bad literal', '{\n\n  "a": tru\n}', 3],
    ['an unterminated string', '{\n  "a": "abc\n}', 2],
    ['empty input', '', 1],
  ])('reports %s with its line', (_what, text, line) => {
    const [msg] = issuesOf(text);
    expect(msg).toMatch(new RegExp(`^zoo\\.json line ${line}: not valid JSON: `));
  });
});

describe('zoo file: validation', () => {
  it('accepts a good zoo and expands it to model x target jobs', () => {
    const zoo = parseZoo(JSON.stringify(good, null, 2));
    expect(zoo.models).toHaveLength(1);
    expect(zoo.models[0]!.data).toBe('synthetic:classes=4,size=8,channels=3,train=256,test=128,seed=1,noise=0.1');
    const jobs = planZoo(zoo);
    expect(jobs.map((j) => `${j.model}/${j.target}`)).toEqual(['m1/t0', 'm1/pair']);
    expect(jobs[0]!.spec.target).toEqual({ mode: 'binary', classes: [0] });
    expect(jobs[1]!.spec.target).toEqual({ mode: 'multiclass', classes: [1, 2] });
    expect(jobs[0]!.spec.settings).toMatchObject({ epochs: 2, batchSize: 32, head: 'sliced', granularity: 'weight', alpha: 1, lrMask: 0.05, seed: 0 });
    // Same zoo, same plan (the workflow relies on it), and child ids are key-safe.
    expect(planZoo(zoo)).toEqual(jobs);
    expect(childRunId('zoo-nightly-2024-01-01T02:00:00Z', jobs[0]!)).toBe('zoo-nightly-2024-01-01T02-00-00Z--m1--t0');
    expect(keySafeId('../x')).toBe('x');
  });

  it('applies per-model overrides, target subsets, published defaults and relative paths', () => {
    const zoo = parseZoo(
      JSON.stringify({
        datasets: { c: 'cifar10:data/c10' },
        models: [
          { path: 'models/resnet20-cifar10', settings: { epochs: 5 }, targets: ['cat'], limit: 100 },
          { name: 'stored', key: 'models/abc/model.bin' },
        ],
        targets: [{ name: 'cat', classes: [3] }, { classes: [0, 1, 8, 9] }],
        settings: { epochs: 1 },
      }),
      { baseDir: '/zoos' },
    );
    expect(zoo.name).toBe('zoo');
    expect(zoo.models[0]).toMatchObject({ name: 'resnet20-cifar10', model: '/zoos/models/resnet20-cifar10', data: 'cifar10:/zoos/data/c10', limit: 100 });
    expect(zoo.models[1]).toMatchObject({ name: 'stored', model: 'models/abc/model.bin', targets: ['cat', 'multi-0-1-8-9'] });
    const jobs = planZoo(zoo);
    expect(jobs.map((j) => `${j.model}/${j.target}/${j.spec.settings.epochs}`)).toEqual(['resnet20-cifar10/cat/5', 'stored/cat/1', 'stored/multi-0-1-8-9/1']);
    // ResNet-20 / CIFAR-10 binary: published lrMask 0.05, alpha 1.0.
    expect(jobs[0]!.spec.settings).toMatchObject({ lrMask: 0.05, alpha: 1 });
  });

  it('refuses a malformed zoo with one line-level message per mistake', () => {
    const text = [
      '{', //                                            1
      '  "name": "bad zoo",', //                         2
      '  "datasets": { "syn": "synthetic:classes=4" },', // 3
      '  "models": [', //                                4
      '    { "name": "a", "path": "/m/a" },', //         5
      '    {', //                                        6
      '      "path": 7,', //                             7
      '      "dataset": "nope"', //                      8
      '    },', //                                       9
      '    { "name": "c", "path": "/m/c", "targets": ["t0", "zzz"], "color": 1 }', // 10
      '  ],', //                                         11
      '  "targets": [', //                               12
      '    { "name": "t0", "classes": [0] },', //        13
      '    { "name": "t1", "mode": "binary", "classes": [1, 2] },', // 14
      '    { "name": "t2", "classes": [9] }', //         15
      '  ],', //                                         16
      '  "settings": { "epochs": 0, "head": "big" },', // 17
      '  "concurrency": 0', //                           18
      '}',
    ].join('\n');
    const msgs = issuesOf(text);
    expect(msgs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^zoo\.json line 2: name: zoo names use letters/),
        'zoo.json line 7: models[1].path: expected a string, got number 7',
        expect.stringMatching(/^zoo\.json line 8: models\[1\]\.dataset: unknown dataset "nope" \(known: syn\)/),
        expect.stringMatching(/^zoo\.json line 10: models\[2\]\.targets\[1\]: unknown target "zzz"/),
        expect.stringMatching(/^zoo\.json line 10: models\[2\]\.color: unknown field/),
        'zoo.json line 14: targets[1].classes: a binary target has exactly one class (it against the rest), got 2',
        expect.stringMatching(/^zoo\.json line 15: targets\[2\]\.classes\[0\]: class 9 is out of range for model "a" on dataset "syn" \(4 classes: 0\.\.3\)/),
        'zoo.json line 17: settings.epochs: expected an integer >= 1, got number 0',
        'zoo.json line 17: settings.head: expected "appended" or "sliced", got string "big"',
        'zoo.json line 18: concurrency: expected an integer >= 1 and <= 64, got number 0',
      ]),
    );
    // Sorted by line.
    const lines = msgs.map((m) => Number(/line (\d+)/.exec(m)![1]));
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
  });

  it.each([
    ['not an object', '[1, 2]', /^zoo\.json line 1: a zoo file is a JSON object/],
    ['no models', '{ "datasets": {"s": "synthetic"}, "targets": [{"classes": [0]}] }', /^zoo\.json line 1: "models" is required/],
    ['path and key', '{ "datasets": {"s": "synthetic"}, "targets": [{"classes": [0]}],\n "models": [{"path": "/a", "key": "models/x"}] }', /^zoo\.json line 2: models\[0\]: give either "path"/],
    ['a bad key', '{ "datasets": {"s": "synthetic"}, "targets": [{"classes": [0]}],\n "models": [{"key": "models/../x"}] }', /^zoo\.json line 2: models\[0\]\.key: invalid artifact key/],
    ['a bad dataset spec', '{ "datasets": {\n"s": "imagenet:/x"}, "targets": [{"classes": [0]}], "models": [{"path": "/a"}] }', /^zoo\.json line 2: datasets\.s: spec "imagenet:\/x": unknown dataset "imagenet"/],
    ['two datasets, no choice', '{ "datasets": {"s": "synthetic", "c": "cifar10:/c"}, "targets": [{"classes": [0]}],\n "models": [{"path": "/a"}] }', /^zoo\.json line 2: models\[0\]: "dataset" is required when the zoo has several datasets/],
    ['duplicate names', '{ "datasets": {"s": "synthetic"}, "targets": [{"classes": [0]}],\n "models": [{"path": "/a"},\n {"path": "/b/a"}] }', /^zoo\.json line 3: models\[1\]: model name "a" is used twice/],
    ['a repeated class', '{ "datasets": {"s": "synthetic"}, "models": [{"path": "/a"}],\n "targets": [{"classes": [0, 1, 0]}] }', /^zoo\.json line 2: targets\[0\]\.classes\[2\]: class 0 is listed twice/],
  ])('refuses %s', (_what, text, message) => {
    expect(issuesOf(text)[0]).toMatch(message);
  });

  it('refuses a zoo that expands to more runs than one zoo run carries', () => {
    const zoo = {
      datasets: { s: 'synthetic:classes=256' },
      models: Array.from({ length: 8 }, (_, i) => ({ name: `m${i}`, path: `/m/${i}` })),
      targets: Array.from({ length: 256 }, (_, c) => ({ classes: [c] })),
    };
    expect(issuesOf(JSON.stringify(zoo))).toEqual([expect.stringMatching(/^zoo\.json line 1: models: the zoo expands to 2048 runs .* at most 2000/)]);
  });

  it('overrides epochs (every model, over per-model settings) and concurrency for one run, within range', () => {
    const zoo = parseZoo(JSON.stringify({ ...good, models: [...good.models, { name: 'm2', path: 'm2', settings: { epochs: 9 } }], concurrency: 3 }));
    const quick = overrideZoo(zoo, { epochs: 1, concurrency: 1 });
    expect(planZoo(quick).map((j) => j.spec.settings.epochs)).toEqual([1, 1, 1, 1]);
    expect(quick.concurrency).toBe(1);
    expect(planZoo(zoo).map((j) => j.spec.settings.epochs)).toEqual([2, 2, 9, 9]); // the original is untouched
    expect(overrideZoo(zoo, {})).toEqual(zoo);
    expect(() => overrideZoo(zoo, { concurrency: 65 })).toThrow(ZooOverrideError);
    expect(() => overrideZoo(zoo, { epochs: 0.5 })).toThrow(/^epochs: expected an integer from 1 to 100000, got 0.5$/);
  });

  it('parses the example zoo file', () => {
    const file = path.join(packageRoot, 'examples', 'zoo.json');
    const zoo = parseZoo(readFileSync(file, 'utf8'), { file: 'examples/zoo.json', baseDir: path.dirname(file) });
    expect(zoo.models[0]!.model).toBe(path.resolve(packageRoot, '..', 'shared', 'models', 'resnet20-cifar10'));
    expect(planZoo(zoo).map((j) => j.target)).toEqual(['airplane', 'cat', 'vehicles']);
  });

  it('renders the leaderboard as a markdown table', () => {
    const md = leaderboardMarkdown({
      zooId: 'z1',
      zoo: 'tiny',
      finishedAt: '2024-01-01T00:00:00.000Z',
      summary: { total: 2, completed: 1, failed: 1 },
      maxRunning: 2,
      concurrency: 2,
      rows: [
        { index: 0, model: 'm', target: 't0', mode: 'binary', classes: [0], workflowId: 'w0', status: 'completed', originalAccuracy: 0.9, accuracy: 0.95, wrr: 0.25, compactParams: 1000, compactFlops: 2e6, paramsRatio: 0.5 },
        { index: 1, model: 'm', target: 't1', workflowId: 'w1', status: 'failed', error: 'class | 9 out of range' },
      ],
    });
    expect(md).toContain('| m | t0 | binary 0 | completed | 90.00% | 95.00% | 25.00% | 1000 | 2.000 | 50.00% |  |');
    expect(md).toContain('| m | t1 |  | failed: class \\| 9 out of range |');
  });
});
