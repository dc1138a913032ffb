/** The timing pieces every latency measurement here shares. */
import * as tf from '@tensorflow/tfjs';

/** Milliseconds until `run`'s result is on the host (so asynchronous backends are timed to completion). */
export async function timeToResult(run: () => tf.Tensor): Promise<number> {
  const t0 = performance.now();
  const y = tf.tidy(run);
  await y.data();
  y.dispose();
  return performance.now() - t0;
}

export function median(values: readonly number[]): number {
  const s = values.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
