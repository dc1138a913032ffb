import type { Rng } from '../random.js';
import type { ImageSet } from './types.js';

/**
 * CIFAR-style augmentation of an NHWC batch: a random crop of the image padded
 * by `pad` zero pixels on every side (offsets uniform in [-pad, pad] on each
 * axis), then a horizontal flip with probability 1/2. Returns a new array.
 * Draws per image, in order: row offset, column offset, flip; so a given rng
 * state always gives the same result.
 * Pass `flip: false` for data where mirroring changes the class (digits).
 */
export function augmentBatch(
  images: Float32Array,
  count: number,
  height: number,
  width: number,
  channels: number,
  rng: Rng,
  opts: { pad?: number; flip?: boolean } = {},
): Float32Array {
  const pad = opts.pad ?? 4;
  const allowFlip = opts.flip ?? true;
  const per = height * width * channels;
  if (images.length < count * per) {
    throw new RangeError(`augmentBatch: ${images.length} values < ${count} x ${height}x${width}x${channels}`);
  }
  const out = new Float32Array(count * per); // zero = the padding
  for (let n = 0; n < count; n++) {
    const dy = rng.int(2 * pad + 1) - pad;
    const dx = rng.int(2 * pad + 1) - pad;
    const flip = allowFlip && rng.next() < 0.5;
    const base = n * per;
    for (let y = 0; y < height; y++) {
      const sy = y + dy;
      if (sy < 0 || sy >= height) continue;
      for (let x = 0; x < width; x++) {
        // Output column x shows crop column (flip ? width-1-x : x), i.e. source column that + dx.
        const sx = (flip ? width - 1 - x : x) + dx;
        if (sx < 0 || sx >= width) continue;
        const dst = base + (y * width + x) * channels;
        const src = base + (sy * width + sx) * channels;
        for (let c = 0; c < channels; c++) out[dst + c] = images[src + c]!;
      }
    }
  }
  return out;
}

export interface Batch {
  images: Float32Array;
  labels: Int32Array;
  count: number;
  /** Positions in the source set of the batch's images (for originalLabels and the like). */
  indices: Int32Array;
}

/**
 * Yields consecutive batches of `batchSize` (the last may be smaller). With an
 * rng, the order is a fresh seeded permutation and the slices are copies;
 * without, they are views into the set (no copy).
 */
export function* batches(set: ImageSet, batchSize: number, rng?: Rng): Generator<Batch> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const per = set.height * set.width * set.channels;
  const order = rng ? rng.permutation(set.count) : undefined;
  for (let start = 0; start < set.count; start += batchSize) {
    const count = Math.min(batchSize, set.count - start);
    if (!order) {
      const indices = new Int32Array(count);
      for (let k = 0; k < count; k++) indices[k] = start + k;
      yield {
        images: set.images.subarray(start * per, (start + count) * per),
        labels: set.labels.subarray(start, start + count),
        count,
        indices,
      };
      continue;
    }
    const indices = order.slice(start, start + count);
    const images = new Float32Array(count * per);
    const labels = new Int32Array(count);
    for (let k = 0; k < count; k++) {
      const j = indices[k]!;
      images.set(set.images.subarray(j * per, (j + 1) * per), k * per);
      labels[k] = set.labels[j]!;
    }
    yield { images, labels, count, indices };
  }
}
