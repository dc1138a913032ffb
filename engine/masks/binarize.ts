/**
 * Straight-through binariser (METHOD.md): forward bin(s) = 1 if s > 0 else 0,
 * backward d bin / ds := clip(upstream, -1, 1). Written with tf.customGrad
 * because a gradient through tf.greater throws and tf.step's is zero.
 */
import * as tf from '@tensorflow/tfjs';

const ste = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const s = args[0] as tf.Tensor;
  return {
    value: tf.cast(tf.greater(s, 0), 'float32'),
    gradFunc: (dy: tf.Tensor) => tf.clipByValue(dy, -1, 1),
  };
});

export function binarize(scores: tf.Tensor): tf.Tensor {
  return ste(scores);
}
