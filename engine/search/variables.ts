import * as tf from '@tensorflow/tfjs';

/**
 * A variable holding `data`. tf.variable(t) keeps `t` alive as a separate
 * tensor, so the initial value is disposed here (else every variable leaks one).
 */
export function variableFrom(data: Float32Array | tf.Tensor, shape: number[], trainable: boolean, name?: string): tf.Variable {
  const init = data instanceof Float32Array ? tf.tensor(data, shape, 'float32') : data;
  const v = tf.variable(init, trainable, name);
  init.dispose();
  return v;
}
