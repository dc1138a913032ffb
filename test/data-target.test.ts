import { describe, expect, it } from 'vitest';
import { makeSyntheticDataset, SYNTHETIC_DEFAULTS } from '../engine/data/synthetic.js';
import { makeTargetProblem, parseClassList } from '../engine/data/target.js';
import type { Dataset, ImageSet } from '../engine/data/types.js';

// 5 classes, 100 train images (20 each), 50 test images (10 each).
const ds: Dataset = makeSyntheticDataset({ ...SYNTHETIC_DEFAULTS, classes: 5, size: 4, train: 100, test: 50, seed: 9 });

function count(labels: Int32Array, v: number): number {
  return labels.filter((l) => l === v).length;
}

/** Identity of an image by its pixels, to check which source images ended up where. */
function keys(set: ImageSet): Set<string> {
  const per = set.height * set.width * set.channels;
  const out = new Set<string>();
  for (let i = 0; i < set.count; i++) out.add(set.images.subarray(i * per, (i + 1) * per).join(','));
  return out;
}

describe('binary target problem', () => {
  const p = makeTargetProblem(ds, { mode: 'binary', classes: [2], seed: 1 });

  it('takes all positives plus as many sampled negatives, relabelled t -> 0, rest -> 1', () => {
    expect(p.numOutputs).toBe(2);
    const trainAll = p.train.count + p.val.count;
    expect(trainAll).toBe(40);
    expect(count(p.train.labels, 0) + count(p.val.labels, 0)).toBe(20);
    expect(p.test.count).toBe(20);
    expect(count(p.test.labels, 0)).toBe(10);
    for (const s of [p.train, p.val, p.test]) {
      s.labels.forEach((l, i) => expect(l).toBe(s.originalLabels[i] === 2 ? 0 : 1));
    }
  });

  it('carves a stratified validation split from the training part only', () => {
    expect(p.val.count).toBe(4); // 10% of 20 positives + 10% of 20 negatives
    expect(count(p.val.labels, 0)).toBe(2);
    const val = keys(p.val);
    const train = keys(p.train);
    const test = keys(p.test);
    const sourceTrain = keys(ds.train);
    for (const k of val) {
      expect(train.has(k)).toBe(false);
      expect(test.has(k)).toBe(false);
      expect(sourceTrain.has(k)).toBe(true);
    }
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const again = makeTargetProblem(ds, { mode: 'binary', classes: [2], seed: 1 });
    expect(again.train.images).toEqual(p.train.images);
    expect(again.val.originalLabels).toEqual(p.val.originalLabels);
    const other = makeTargetProblem(ds, { mode: 'binary', classes: [2], seed: 2 });
    expect(other.test.originalLabels).not.toEqual(p.test.originalLabels);
  });
});

describe('multiclass target problem', () => {
  it('keeps every image of the listed classes, relabelled by list position', () => {
    const p = makeTargetProblem(ds, { mode: 'multiclass', classes: [4, 1], seed: 3, valFraction: 0.25 });
    expect(p.numOutputs).toBe(2);
    expect(p.train.count + p.val.count).toBe(40);
    expect(p.val.count).toBe(10);
    expect(p.test.count).toBe(20);
    for (const s of [p.train, p.val, p.test]) s.labels.forEach((l, i) => expect(l).toBe(s.originalLabels[i] === 4 ? 0 : 1));
  });

  it('allows all classes, and no validation split with valFraction 0', () => {
    const p = makeTargetProblem(ds, { mode: 'multiclass', classes: [0, 1, 2, 3, 4], seed: 3, valFraction: 0 });
    expect([p.train.count, p.val.count, p.test.count]).toEqual([100, 0, 50]);
  });
});

describe('target problem errors', () => {
  const make = (mode: 'binary' | 'multiclass', classes: number[], valFraction?: number) => () =>
    makeTargetProblem(ds, { mode, classes, seed: 1, valFraction });

  it('names the ids and the valid range', () => {
    expect(make('multiclass', [1, 7, 9])).toThrow('class ids 7, 9 out of range 0..4');
    expect(make('multiclass', [1, 1])).toThrow('class 1 listed more than once in [1, 1]');
    expect(make('binary', [])).toThrow('empty class list; expected class ids in 0..4');
    expect(make('binary', [0, 1])).toThrow(/binary target problem takes exactly one class.*got 2: \[0, 1\]/);
    expect(make('multiclass', [3])).toThrow(/multiclass target problem needs at least 2 classes, got \[3\]/);
    expect(make('binary', [0], 1)).toThrow('valFraction must be in [0, 1), got 1');
  });

  it('names a class that has no images', () => {
    const lopsided: Dataset = { ...ds, test: { ...ds.test, labels: ds.test.labels.map((l) => (l === 3 ? 0 : l)) } };
    expect(() => makeTargetProblem(lopsided, { mode: 'binary', classes: [3], seed: 1 })).toThrow(
      'class 3 (class3): no images in the test split of synthetic',
    );
  });
});

describe('parseClassList', () => {
  it('parses lists and ranges', () => {
    expect(parseClassList('0,1,8,9')).toEqual([0, 1, 8, 9]);
    expect(parseClassList(' 3 , 0-2 ', 10)).toEqual([3, 0, 1, 2]);
  });

  it('explains what is wrong', () => {
    expect(() => parseClassList('')).toThrow(/empty class list/);
    expect(() => parseClassList('0,x')).toThrow('class list "0,x": "x" is not a class id (a non-negative integer or a range like 2-5)');
    expect(() => parseClassList('1,-2')).toThrow(/"-2" is not a class id/);
    expect(() => parseClassList('1,2,1')).toThrow('class list "1,2,1": class 1 listed twice');
    expect(() => parseClassList('0,12', 10)).toThrow('class list "0,12": class 12 is out of range 0..9');
    expect(() => parseClassList('5-3')).toThrow(/range "5-3" is empty/);
  });
});
