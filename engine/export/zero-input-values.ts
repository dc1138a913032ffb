/**
 * Outputs of chosen nodes of a graph for one all-zero input image (batch 1,
 * channels last). For nodes whose output does not depend on the input these
 * are their values for any input, taken from the model itself so they match
 * it bit for bit.
 */
import * as tf from '@tensorflow/tfjs';
import { forward } from '../graph/forward.js';
import { disposeParams, prepareParams } from '../graph/params.js';
import type { Graph } from '../graph/types.js';

export function zeroInputOutputs(graph: Graph, names: Set<string>): Map<string, Float32Array> {
  const found = new Map<string, Float32Array>();
  if (names.size === 0) return found;
  const params = prepareParams(graph);
  try {
    const input = graph.byName.get(graph.input)!;
    tf.tidy(() => {
      const x = tf.zeros([1, ...input.outputShape]);
      forward(graph, params, x, {
        capture: (n, y) => {
          if (names.has(n.name)) found.set(n.name, (y.dataSync() as Float32Array).slice());
        },
      });
    });
  } finally {
    disposeParams(params);
  }
  return found;
}
