/**
 * Accuracy of the re-engineered model (masked original + head) on a
 * relabelled split: argmax of the head's outputs against the new labels.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../data/types.js';
import { forward } from '../graph/forward.js';
import type { Params } from '../graph/params.js';
import type { Graph } from '../graph/types.js';
import { maskedParamsFor, type MaskSet } from '../masks/masks.js';
import { HeadModule, type HeadData } from '../search/head.js';

export async function maskedAccuracy(
  graph: Graph,
  params: Params,
  masks: MaskSet | null,
  headData: HeadData,
  set: ImageSet,
  batchSize: number,
): Promise<number> {
  if (set.count === 0) return 0;
  const head = new HeadModule(headData);
  // Masked weights once per evaluation, not per batch.
  const masked = masks ? maskedParamsFor(params, masks) : { params, dispose: () => {} };
  const per = set.height * set.width * set.channels;
  let correct = 0;
  try {
    for (let start = 0; start < set.count; start += batchSize) {
      const count = Math.min(batchSize, set.count - start);
      const pred = tf.tidy(() => {
        const x = tf.tensor4d(set.images.subarray(start * per, (start + count) * per), [count, set.height, set.width, set.channels]);
        return tf.argMax(head.apply(forward(graph, masked.params, x, { logits: true })), 1);
      });
      const p = (await pred.data()) as Int32Array;
      pred.dispose();
      for (let k = 0; k < count; k++) if (p[k] === set.labels[start + k]) correct++;
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    head.dispose();
    masked.dispose();
  }
  return correct / set.count;
}
