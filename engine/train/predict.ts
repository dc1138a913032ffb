/** Class predictions (argmax of the logits) of a graph over an image set, batch by batch, in inference mode. */
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../data/types.js';
import { forward } from '../graph/forward.js';
import { disposeParams, prepareParams, type Params } from '../graph/params.js';
import type { Graph } from '../graph/types.js';

export async function predictClasses(graph: Graph, set: Pick<ImageSet, 'images' | 'count' | 'height' | 'width' | 'channels'>, opts: { params?: Params; batchSize?: number } = {}): Promise<Int32Array> {
  const params = opts.params ?? prepareParams(graph);
  const batch = opts.batchSize ?? 256;
  const per = set.height * set.width * set.channels;
  const out = new Int32Array(set.count);
  try {
    for (let start = 0; start < set.count; start += batch) {
      const count = Math.min(batch, set.count - start);
      const pred = tf.tidy(() => {
        const x = tf.tensor4d(set.images.subarray(start * per, (start + count) * per), [count, set.height, set.width, set.channels]);
        return tf.argMax(forward(graph, params, x, { logits: true }), 1);
      });
      out.set((await pred.data()) as Int32Array, start);
      pred.dispose();
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    if (!opts.params) disposeParams(params);
  }
  return out;
}

export function accuracyOf(pred: Int32Array, labels: Int32Array): number {
  if (pred.length === 0) return 0;
  let c = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === labels[i]) c++;
  return c / pred.length;
}
