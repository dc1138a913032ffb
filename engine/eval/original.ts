/**
 * How the original model scores on a target problem (METHOD.md):
 * - published rule: argmax over all C logits; binary counts a hit when
 *   (pred == t) equals (y == t), multi-class when pred equals the true class;
 * - restricted [ours]: the original given the target problem, so the gain of
 *   re-engineering is not overstated. Multi-class: argmax over the target
 *   classes' logits only. Binary: "t" when p(t) >= 1/2 under the original's
 *   softmax (the decision of the sliced head before any search).
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageSet, TargetMode } from '../data/types.js';
import { forward } from '../graph/forward.js';
import type { Params } from '../graph/params.js';
import type { Graph } from '../graph/types.js';

export interface OriginalScore {
  accuracy: number;
  accuracyRestricted: number;
  count: number;
}

export async function scoreOriginal(
  graph: Graph,
  params: Params,
  set: ImageSet & { originalLabels: Int32Array },
  target: { mode: TargetMode; classes: number[] },
  batchSize = 256,
): Promise<OriginalScore> {
  let hits = 0;
  let hitsRestricted = 0;
  await forEachLogitBatch(graph, params, set, batchSize, (z, numLogits, start, count) => {
    for (let k = 0; k < count; k++) {
      const row = z.subarray(k * numLogits, (k + 1) * numLogits);
      const y = set.originalLabels[start + k]!;
      const pred = argmax(row, null);
      if (target.mode === 'binary') {
        const t = target.classes[0]!;
        if ((pred === t) === (y === t)) hits++;
        if (probabilityOf(row, t) >= 0.5 === (y === t)) hitsRestricted++;
      } else {
        if (pred === y) hits++;
        if (argmax(row, target.classes) === y) hitsRestricted++;
      }
    }
  });
  const n = Math.max(1, set.count);
  return { accuracy: hits / n, accuracyRestricted: hitsRestricted / n, count: set.count };
}

/** Runs the model (logits, pre-softmax) over a set in batches, yielding between batches. */
export async function forEachLogitBatch(
  graph: Graph,
  params: Params,
  set: ImageSet,
  batchSize: number,
  consume: (logits: Float32Array, numLogits: number, start: number, count: number) => void,
): Promise<void> {
  const per = set.height * set.width * set.channels;
  for (let start = 0; start < set.count; start += batchSize) {
    const count = Math.min(batchSize, set.count - start);
    const out = tf.tidy(() => {
      const x = tf.tensor4d(set.images.subarray(start * per, (start + count) * per), [count, set.height, set.width, set.channels]);
      return forward(graph, params, x, { logits: true });
    });
    const z = (await out.data()) as Float32Array;
    const numLogits = out.shape[1]!;
    out.dispose();
    consume(z, numLogits, start, count);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

function argmax(row: Float32Array, among: number[] | null): number {
  const ids = among ?? Array.from(row.keys());
  let best = ids[0]!;
  for (const i of ids) if (row[i]! > row[best]!) best = i;
  return best;
}

function probabilityOf(row: Float32Array, t: number): number {
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  let sum = 0;
  for (const v of row) sum += Math.exp(v - max);
  return Math.exp(row[t]! - max) / sum;
}
