/**
 * Inference latency on the active backend: warm-up runs, then N timed runs
 * per batch size, reporting the median (robust to GC pauses and the other
 * processes sharing the machine). Each run waits for the result's data, so
 * asynchronous backends are timed to completion.
 */
import * as tf from '@tensorflow/tfjs';
import { median, timeToResult } from './timing.js';

export interface LatencyOptions {
  batchSizes?: number[];
  warmup?: number;
  runs?: number;
}

export interface LatencyResult {
  batchSize: number;
  medianMs: number;
  minMs: number;
  runs: number;
  /** Median per image. */
  perImageMs: number;
}

export async function measureLatency(
  run: (x: tf.Tensor4D) => tf.Tensor,
  inputShape: number[],
  opts: LatencyOptions = {},
): Promise<{ backend: string; results: LatencyResult[] }> {
  const sizes = opts.batchSizes ?? [1, 16, 64];
  const warmup = opts.warmup ?? 3;
  const runs = opts.runs ?? 10;
  const results: LatencyResult[] = [];
  for (const b of sizes) {
    const x = tf.randomUniform([b, ...inputShape], 0, 1, 'float32', 1) as unknown as tf.Tensor4D;
    const once = () => timeToResult(() => run(x));
    for (let i = 0; i < warmup; i++) await once();
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      times.push(await once());
      await new Promise((resolve) => setImmediate(resolve));
    }
    x.dispose();
    const mid = median(times);
    results.push({ batchSize: b, medianMs: mid, minMs: Math.min(...times), runs, perImageMs: mid / b });
  }
  return { backend: tf.getBackend(), results };
}
