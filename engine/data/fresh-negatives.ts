import { Rng } from '../random.js';
import { gatherFromPair } from './subset.js';
import type { ImageSet } from './types.js';

/** Label of "the rest" in a binary target problem (target.ts). */
const NEGATIVE = 1;

/**
 * [ours] Per-epoch training sets for a binary problem that keep every positive
 * and draw as many negatives as the problem's own training part holds, afresh
 * each epoch, from its negatives plus `unused` (target.ts, unusedNegatives).
 * The positives are all there are; the negatives are where more data exists,
 * and a small re-engineered model trained on one fixed sample overfits it.
 * Each epoch's draw depends only on (seed, epoch), so a resumed training sees
 * the same sets as an uninterrupted one.
 */
export function freshNegativesPerEpoch(train: ImageSet, unused: ImageSet, seed: number): (epoch: number) => ImageSet {
  if (unused.height !== train.height || unused.width !== train.width || unused.channels !== train.channels) {
    throw new RangeError(`unused negatives are ${unused.height}x${unused.width}x${unused.channels}, the training images ${train.height}x${train.width}x${train.channels}`);
  }
  if (unused.labels.some((y) => y !== NEGATIVE)) throw new RangeError(`unused negatives must all carry label ${NEGATIVE} (the rest)`);
  const positives: number[] = [];
  const negatives: number[] = [];
  train.labels.forEach((y, i) => (y === NEGATIVE ? negatives : positives).push(i));
  // Every negative as an index into train then unused (gatherFromPair's numbering).
  const allNegatives = Int32Array.from({ length: negatives.length + unused.count }, (_, k) => (k < negatives.length ? negatives[k]! : train.count + k - negatives.length));
  return (epoch) => {
    const pool = new Rng((seed ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0).shuffle(allNegatives.slice());
    const picked = Int32Array.from([...positives, ...pool.subarray(0, negatives.length)]).sort();
    return gatherFromPair(train, unused, picked);
  };
}
