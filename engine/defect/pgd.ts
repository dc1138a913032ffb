/**
 * The "penultimate-layer-guided" L-inf PGD of the defect-inheritance protocol
 * (METHOD.md, from ReMoS): computed on the TEACHER's feature extractor,
 * maximising  -(mean over batch)[(f_0 - 1000)^2 + 0.1 * mean_{j>=1} f_j^2]
 * over the penultimate features f; random start in the eps ball, signed
 * gradient steps, projection onto the eps ball and the valid input range.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../data/types.js';
import { forward } from '../graph/forward.js';
import type { Params } from '../graph/params.js';
import type { Graph } from '../graph/types.js';
import { Rng } from '../random.js';
import { featureNode } from './head.js';

export interface PgdSettings {
  eps: number;
  stepSize: number;
  steps: number;
  randomStart: boolean;
  /** Valid input range (our models take [0, 1] pixels and normalise inside). */
  range: [number, number];
  seed: number;
  batchSize: number;
}

export const PGD_DEFAULTS: PgdSettings = { eps: 0.1, stepSize: 0.01, steps: 40, randomStart: true, range: [0, 1], seed: 0, batchSize: 128 };

/** The maximised objective on a batch of features [n, d] (d >= 2). */
export function featureObjective(f: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const flat = f.rank === 2 ? (f as tf.Tensor2D) : tf.reshape(f, [f.shape[0]!, -1]);
    const d = flat.shape[1]!;
    // One-hot column masks instead of slicing: cheap, and differentiable on every backend.
    const first = tf.oneHot(tf.tensor1d([0], 'int32'), d).reshape([1, d]);
    const f0 = tf.sum(tf.mul(flat, first), 1);
    const rest = tf.div(tf.sum(tf.mul(tf.square(flat), tf.sub(1, first)), 1), Math.max(1, d - 1));
    return tf.neg(tf.mean(tf.add(tf.square(tf.sub(f0, 1000)), tf.mul(rest, 0.1)))) as tf.Scalar;
  });
}

export function validatePgd(s: PgdSettings): void {
  const bad: string[] = [];
  if (!(s.eps > 0)) bad.push(`eps must be > 0, got ${s.eps}`);
  if (!(s.stepSize > 0)) bad.push(`step size must be > 0, got ${s.stepSize}`);
  if (!Number.isInteger(s.steps) || s.steps < 1) bad.push(`steps must be an integer >= 1, got ${s.steps}`);
  if (!(s.range[0] < s.range[1])) bad.push(`range must be [lo, hi] with lo < hi`);
  if (bad.length) throw new RangeError(bad.join('; '));
}

/** Adversarial copies of `set.images` (same layout). */
export async function pgdAttack(
  teacher: Graph,
  params: Params,
  set: Pick<ImageSet, 'images' | 'count' | 'height' | 'width' | 'channels'>,
  settings: Partial<PgdSettings> = {},
  onProgress?: (done: number, total: number) => void,
): Promise<Float32Array> {
  const s: PgdSettings = { ...PGD_DEFAULTS, ...settings };
  validatePgd(s);
  const feat = featureNode(teacher);
  const [lo, hi] = s.range;
  const per = set.height * set.width * set.channels;
  const out = new Float32Array(set.count * per);
  const rng = new Rng(s.seed);
  const objective = (x: tf.Tensor) => featureObjective(forward(teacher, params, x, { until: feat }));
  const grad = tf.grad(objective);
  for (let start = 0; start < set.count; start += s.batchSize) {
    const count = Math.min(s.batchSize, set.count - start);
    const shape: [number, number, number, number] = [count, set.height, set.width, set.channels];
    const clean = set.images.subarray(start * per, (start + count) * per);
    const init = new Float32Array(clean.length);
    for (let i = 0; i < clean.length; i++) {
      const noise = s.randomStart ? (rng.next() * 2 - 1) * s.eps : 0;
      init[i] = Math.min(hi, Math.max(lo, clean[i]! + noise));
    }
    const x0 = tf.tensor4d(clean, shape);
    const lower = tf.tidy(() => tf.maximum(tf.sub(x0, s.eps), lo));
    const upper = tf.tidy(() => tf.minimum(tf.add(x0, s.eps), hi));
    let x = tf.tensor4d(init, shape);
    for (let k = 0; k < s.steps; k++) {
      const next = tf.tidy(() => {
        const g = grad(x);
        return tf.minimum(tf.maximum(tf.add(x, tf.mul(tf.sign(g), s.stepSize)), lower), upper);
      });
      x.dispose();
      x = next as tf.Tensor4D;
      await new Promise((resolve) => setImmediate(resolve));
    }
    out.set((await x.data()) as Float32Array, start * per);
    tf.dispose([x, x0, lower, upper]);
    onProgress?.(start + count, set.count);
  }
  return out;
}

/** The objective's value on a set (batched mean), to show the attack worked. */
export async function featureObjectiveOn(teacher: Graph, params: Params, images: Float32Array, set: Pick<ImageSet, 'count' | 'height' | 'width' | 'channels'>, batchSize = 256): Promise<number> {
  const feat = featureNode(teacher);
  const per = set.height * set.width * set.channels;
  let sum = 0;
  for (let start = 0; start < set.count; start += batchSize) {
    const count = Math.min(batchSize, set.count - start);
    const v = tf.tidy(() => {
      const x = tf.tensor4d(images.subarray(start * per, (start + count) * per), [count, set.height, set.width, set.channels]);
      return featureObjective(forward(teacher, params, x, { until: feat }));
    });
    sum += (await v.data())[0]! * count;
    v.dispose();
  }
  return set.count ? sum / set.count : 0;
}
