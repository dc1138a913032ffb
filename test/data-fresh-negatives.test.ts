// [ours] Fresh negatives for fine-tuning a binary target: the problem's unused
// training negatives, and per-epoch training sets that keep every positive and
// redraw the negatives from all of them, deterministically per epoch.
import { describe, expect, it } from 'vitest';
import { freshNegativesPerEpoch } from '../engine/data/fresh-negatives.js';
import { makeSyntheticDataset, SYNTHETIC_DEFAULTS } from '../engine/data/synthetic.js';
import { makeTargetProblem, unusedNegatives } from '../engine/data/target.js';
import type { Dataset, ImageSet } from '../engine/data/types.js';

// 5 classes, 100 train images (20 each): a binary problem on class 2 uses 20 of the 80 negatives.
const ds: Dataset = makeSyntheticDataset({ ...SYNTHETIC_DEFAULTS, classes: 5, size: 4, train: 100, test: 50, seed: 9 });
const opts = { mode: 'binary' as const, classes: [2], seed: 1 };
const problem = makeTargetProblem(ds, opts);
const unused = unusedNegatives(ds, opts);

/** Each image's pixels as a string, to tell which source images a set holds. */
function keys(set: ImageSet, label?: number): string[] {
  const per = set.height * set.width * set.channels;
  const out: string[] = [];
  for (let i = 0; i < set.count; i++) if (label === undefined || set.labels[i] === label) out.push(set.images.subarray(i * per, (i + 1) * per).join(','));
  return out;
}

describe('unusedNegatives', () => {
  it('holds every training-split negative that neither the training nor the validation part uses, labelled 1', () => {
    expect(unused.count).toBe(80 - 20);
    expect([...unused.labels].every((y) => y === 1)).toBe(true);
    expect([...unused.originalLabels].every((c) => c !== 2)).toBe(true);
    const used = new Set([...keys(problem.train), ...keys(problem.val)]);
    expect(keys(unused).filter((k) => used.has(k))).toEqual([]);
    const all = new Set([...keys(problem.train, 1), ...keys(problem.val, 1), ...keys(unused)]);
    expect(all.size).toBe(80);
  });

  it('exists only for binary problems', () => {
    expect(() => unusedNegatives(ds, { mode: 'multiclass', classes: [1, 2], seed: 1 })).toThrow('unused negatives exist only for a binary target problem, not multiclass');
    expect(() => unusedNegatives(ds, { mode: 'binary', classes: [7], seed: 1 })).toThrow('class id 7 out of range 0..4');
  });
});

describe('freshNegativesPerEpoch', () => {
  const epochSet = freshNegativesPerEpoch(problem.train, unused, 3);

  it('keeps every positive and as many negatives as the problem, drawn afresh each epoch', () => {
    const positives = keys(problem.train, 0).sort();
    const negativesPool = new Set([...keys(problem.train, 1), ...keys(unused)]);
    const draws = [0, 1, 2].map((e) => epochSet(e));
    for (const set of draws) {
      expect(set.count).toBe(problem.train.count);
      expect(keys(set, 0).sort()).toEqual(positives);
      expect(keys(set, 1).length).toBe(keys(problem.train, 1).length);
      expect(keys(set, 1).every((k) => negativesPool.has(k))).toBe(true);
    }
    expect(keys(draws[0]!, 1)).not.toEqual(keys(draws[1]!, 1));
    // Over a few epochs the draws reach well beyond the problem's own negatives.
    const seen = new Set(draws.flatMap((s) => keys(s, 1)));
    expect(seen.size).toBeGreaterThan(keys(problem.train, 1).length * 2);
  });

  it('depends only on the seed and the epoch (a resumed training sees the same sets)', () => {
    const again = freshNegativesPerEpoch(problem.train, unused, 3);
    expect(again(1).images).toEqual(epochSet(1).images);
    expect(again(1).labels).toEqual(epochSet(1).labels);
    expect(freshNegativesPerEpoch(problem.train, unused, 4)(1).images).not.toEqual(epochSet(1).images);
  });

  it('refuses unused images of another shape or with a positive label', () => {
    const small = makeSyntheticDataset({ ...SYNTHETIC_DEFAULTS, classes: 5, size: 3, train: 50, test: 10, seed: 9 });
    expect(() => freshNegativesPerEpoch(problem.train, unusedNegatives(small, opts), 3)).toThrow('unused negatives are 3x3x3, the training images 4x4x3');
    expect(() => freshNegativesPerEpoch(problem.train, { ...unused, labels: unused.labels.map((_, i) => (i === 0 ? 0 : 1)) }, 3)).toThrow('unused negatives must all carry label 1 (the rest)');
  });
});
