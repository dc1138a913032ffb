/**
 * Inference latency of several models measured side by side in one process
 * on the active backend: per batch size, every model is warmed up, then the
 * timed runs interleave the models (rotating who goes first), so drift from
 * other processes on a shared machine hits all of them alike. Median of the
 * runs; each run waits for the result's data.
 */
import * as tf from '@tensorflow/tfjs';
import type { LatencyResult } from '../eval/latency.js';
import { median, timeToResult } from '../eval/timing.js';

export interface SideBySideOptions {
  batchSizes?: number[];
  warmup?: number;
  runs?: number;
  seed?: number;
}

export interface TimedModel {
  name: string;
  predict: (x: tf.Tensor) => tf.Tensor;
}

export async function measureSideBySide(
  models: TimedModel[],
  inputShape: number[],
  opts: SideBySideOptions = {},
): Promise<{ backend: string; results: Record<string, LatencyResult[]> }> {
  const sizes = opts.batchSizes ?? [1, 16, 64];
  const warmup = opts.warmup ?? 3;
  const runs = opts.runs ?? 10;
  const results: Record<string, LatencyResult[]> = Object.fromEntries(models.map((m) => [m.name, []]));
  const once = (m: TimedModel, x: tf.Tensor) => timeToResult(() => m.predict(x));
  for (const b of sizes) {
    const x = tf.randomUniform([b, ...inputShape], 0, 1, 'float32', opts.seed ?? 1);
    const times = models.map(() => [] as number[]);
    try {
      for (const m of models) for (let i = 0; i < warmup; i++) await once(m, x);
      for (let r = 0; r < runs; r++) {
        for (let k = 0; k < models.length; k++) {
          const i = (r + k) % models.length;
          times[i]!.push(await once(models[i]!, x));
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      x.dispose();
    }
    models.forEach((m, i) => {
      const t = times[i]!;
      const mid = median(t);
      results[m.name]!.push({ batchSize: b, medianMs: mid, minMs: Math.min(...t), runs, perImageMs: mid / b });
    });
  }
  return { backend: tf.getBackend(), results };
}
