import type { ImageSet } from './types.js';

/** Copies the images at `indices` (in that order) into a new set. */
export function gatherImages(set: ImageSet, indices: ArrayLike<number>): ImageSet {
  return gatherFromPair(set, undefined, indices);
}

/**
 * The same over `a` then `b` seen as one set (index a.count is b's first
 * image), without concatenating them first; they must have one image shape.
 */
export function gatherFromPair(a: ImageSet, b: ImageSet | undefined, indices: ArrayLike<number>): ImageSet {
  const size = a.height * a.width * a.channels;
  const n = indices.length;
  const images = new Float32Array(n * size);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const j = indices[i]!;
    const [set, k] = j < a.count || !b ? [a, j] : [b, j - a.count];
    images.set(set.images.subarray(k * size, (k + 1) * size), i * size);
    labels[i] = set.labels[k]!;
  }
  return { images, labels, count: n, height: a.height, width: a.width, channels: a.channels };
}

/**
 * Indices of a class-balanced subset of at most `limit` items, deterministic
 * without a seed: classes take turns (in id order) giving their next item in
 * file order, and the result is returned in file order. A larger limit always
 * yields a superset of a smaller one, so quick runs see a prefix of the data
 * that a full run sees.
 */
export function balancedSubsetIndices(labels: ArrayLike<number>, limit: number): Int32Array {
  if (limit >= labels.length) return Int32Array.from({ length: labels.length }, (_, i) => i);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    let list = byClass.get(c);
    if (!list) byClass.set(c, (list = []));
    list.push(i);
  }
  const lists = [...byClass.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
  const picked: number[] = [];
  for (let round = 0; picked.length < limit; round++) {
    for (const list of lists) {
      if (round < list.length) picked.push(list[round]!);
      if (picked.length === limit) break;
    }
  }
  return Int32Array.from(picked.sort((a, b) => a - b));
}
