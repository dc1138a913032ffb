/**
 * Tensors for a graph's weights, keyed "<node>/<role>". BatchNorm is folded
 * once into a per-channel scale and shift (inference mode, the only mode the
 * method uses): cheaper than tf.batchNorm and with a light gradient.
 */
import * as tf from '@tensorflow/tfjs';
import type { Graph } from './types.js';

export type ParamRole = 'kernel' | 'bias' | 'bnScale' | 'bnShift';
export type Params = Map<string, tf.Tensor>;

export function paramKey(node: string, role: ParamRole): string {
  return `${node}/${role}`;
}

/** Creates the tensors (kept outside any tidy); release them with disposeParams. */
export function prepareParams(graph: Graph): Params {
  const params: Params = new Map();
  for (const node of graph.nodes) {
    const a = node.attrs;
    if (a.op === 'conv2d' || a.op === 'depthwiseConv2d' || a.op === 'dense') {
      const k = node.weights.kernel!;
      params.set(paramKey(node.name, 'kernel'), tf.keep(tf.tensor(k.data, k.shape, 'float32')));
      const b = node.weights.bias;
      if (a.useBias && b) params.set(paramKey(node.name, 'bias'), tf.keep(tf.tensor(b.data, b.shape, 'float32')));
    } else if (a.op === 'batchNorm') {
      const { scale, shift } = foldBatchNorm(node.weights, a.epsilon);
      params.set(paramKey(node.name, 'bnScale'), tf.keep(tf.tensor1d(scale)));
      params.set(paramKey(node.name, 'bnShift'), tf.keep(tf.tensor1d(shift)));
    }
  }
  return params;
}

export function foldBatchNorm(
  w: { gamma?: { data: Float32Array }; beta?: { data: Float32Array }; movingMean?: { data: Float32Array }; movingVariance?: { data: Float32Array } },
  epsilon: number,
): { scale: Float32Array; shift: Float32Array } {
  const mean = w.movingMean!.data;
  const variance = w.movingVariance!.data;
  const n = mean.length;
  const scale = new Float32Array(n);
  const shift = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const s = (w.gamma ? w.gamma.data[i]! : 1) / Math.sqrt(variance[i]! + epsilon);
    scale[i] = s;
    shift[i] = (w.beta ? w.beta.data[i]! : 0) - mean[i]! * s;
  }
  return { scale, shift };
}

export function disposeParams(params: Params): void {
  for (const t of params.values()) t.dispose();
  params.clear();
}
