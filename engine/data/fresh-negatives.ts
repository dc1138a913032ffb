import { Rng } from '../random.js';
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
  const poolSize = negatives.length + unused.count;
  return (epoch) => {
    const pool = Int32Array.from({ length: poolSize }, (_, k) => (k < negatives.length ? negatives[k]! : train.count + k - negatives.length));
    new Rng((seed ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0).shuffle(pool);
    const picked = Int32Array.from([...positives, ...pool.subarray(0, negatives.length)]).sort();
    return gatherFromPair(train, unused, picked);
  };
}

/** The images at `indices` of `a` then `b` seen as one set (index a.count = b's first), in that order. */
function gatherFromPair(a: ImageSet, b: ImageSet, indices: Int32Array): ImageSet {
  const size = a.height * a.width * a.channels;
  const images = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  indices.forEach((j, i) => {
    const [set, k] = j < a.count ? [a, j] : [b, j - a.count];
    images.set(set.images.subarray(k * size, (k + 1) * size), i * size);
    labels[i] = set.labels[k]!;
  });
  return { images, labels, count: indices.length, height: a.height, width: a.width, channels: a.channels };
}
