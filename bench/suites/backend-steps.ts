/**
 * The timed units of the backend suite, on the backend already initialised:
 * inference through the engine's raw-op forward, the engine's own mask-search
 * step (runSearch, timed between its onStep callbacks), and a plain training
 * step of the same model for comparison: every weight (conv/dense kernels and
 * the folded BatchNorm scale/shift) trainable, the same raw-op forward, the
 * same appended head, Adam (engine/search/adam.ts) with epsilon 1e-8.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageSet, TargetProblem } from '../../engine/data/types.js';
import { forward, logitCount } from '../../engine/graph/forward.js';
import type { Params } from '../../engine/graph/params.js';
import type { Graph } from '../../engine/graph/types.js';
import { Rng } from '../../engine/random.js';
import { Adam } from '../../engine/search/adam.js';
import { HeadModule, initHead } from '../../engine/search/head.js';
import { runSearch } from '../../engine/search/search.js';

type Labelled = ImageSet & { originalLabels: Int32Array };

/** A binary problem of seeded uniform images: the step cost does not depend on the pixels. */
export function syntheticProblem(count: number, seed: number): TargetProblem {
  const rng = new Rng(seed);
  const set = (n: number): Labelled => {
    const images = Float32Array.from({ length: n * 32 * 32 * 3 }, () => rng.next());
    const labels = Int32Array.from({ length: n }, () => (rng.next() < 0.5 ? 0 : 1));
    return { images, labels, originalLabels: Int32Array.from(labels, (l) => (l === 0 ? 0 : 1)), count: n, height: 32, width: 32, channels: 3 };
  };
  return { mode: 'binary', classes: [0], numOutputs: 2, train: set(count), val: set(8), test: set(8) };
}

/** Median-able inference times (ms) of `runs` forward passes at `batch` after `warmup`. */
export async function inferenceTimes(graph: Graph, params: Params, batch: number, warmup: number, runs: number): Promise<number[]> {
  const x = tf.randomUniform([batch, 32, 32, 3], 0, 1, 'float32', 7);
  const times: number[] = [];
  try {
    for (let i = 0; i < warmup + runs; i++) {
      const t0 = performance.now();
      const y = tf.tidy(() => forward(graph, params, x));
      await y.data();
      y.dispose();
      if (i >= warmup) times.push(performance.now() - t0);
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    x.dispose();
  }
  return times;
}

/**
 * `steps` mask-search steps of the engine (weights frozen, scores through the
 * straight-through binariser, loss CE + alpha * WRR, appended head, joint
 * phase). The first step carries runSearch's setup and is dropped.
 */
export async function searchStepTimes(graph: Graph, params: Params, batch: number, steps: number, seed: number): Promise<number[]> {
  const problem = syntheticProblem(batch * (steps + 1), seed);
  const stamps: number[] = [];
  await runSearch(
    { graph, params, problem, baseline: 0 },
    { granularity: 'weight', head: 'appended', alpha: 1, lrMask: 0.05, lrHead: 0.1, epochs: 1, batchSize: batch, seed, headOnlyEvery: 0, augment: false },
    { onStep: () => stamps.push(performance.now()), evalBatchSize: 8 },
  );
  return stamps.slice(1).map((t, i) => t - stamps[i]!);
}

/** `steps` plain all-weights Adam steps (after one dropped warm-up step), built like the search step. */
export async function trainStepTimes(graph: Graph, params: Params, batch: number, steps: number, seed: number): Promise<number[]> {
  const problem = syntheticProblem(batch * (steps + 1), seed);
  const train = problem.train;
  const rng = new Rng(seed);
  const vars = new Map<string, tf.Variable>();
  for (const [k, t] of params) vars.set(k, tf.variable(t, true, `bench_train_${seed}_${k}`));
  const head = new HeadModule(initHead('appended', 'binary', [0], logitCount(graph), rng));
  const weights = [...vars.values()];
  const opt = new Adam(
    [
      { params: weights, lr: 1e-3 },
      { params: head.vars, lr: 0.1 },
    ],
    { epsilon: 1e-8 },
  );
  const all = [...weights, ...head.vars];
  const per = 32 * 32 * 3;
  const times: number[] = [];
  try {
    for (let s = 0; s <= steps; s++) {
      const t0 = performance.now();
      const images = train.images.slice(s * batch * per, (s + 1) * batch * per);
      const labels = train.labels.slice(s * batch, (s + 1) * batch);
      const x = tf.tensor4d(images, [batch, 32, 32, 3]);
      const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 2).toFloat());
      const { value, grads } = tf.variableGrads(() => {
        const out = head.apply(forward(graph, vars as Params, x, { logits: true }));
        return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(out)), -1))) as tf.Scalar;
      }, all);
      opt.apply(all.map((v) => grads[v.name]));
      await value.data();
      tf.dispose([x, y, value, ...Object.values(grads)]);
      await new Promise((r) => setImmediate(r));
      if (s > 0) times.push(performance.now() - t0);
    }
  } finally {
    opt.dispose();
    head.dispose();
    tf.dispose(weights);
  }
  return times;
}

/**
 * The convolutions of one training step alone: for every conv2d of the model,
 * at its real shapes, the forward pass and both gradients (input and kernel),
 * nothing else. Its share of the plain step shows how much of the step any
 * speedup of the rest could ever win (issue 8's ceiling analysis).
 */
export async function convStepTimes(graph: Graph, batch: number, runs: number, seed: number): Promise<number[]> {
  const convs = graph.nodes.filter((n) => n.attrs.op === 'conv2d');
  const inputs = convs.map((n, i) => {
    const [h, w, c] = graph.byName.get(n.inputs[0]!)!.outputShape as [number, number, number];
    const k = n.weights.kernel!.shape as [number, number, number, number];
    const a = n.attrs as { strides: [number, number]; padding: 'same' | 'valid' };
    const x = tf.randomUniform([batch, h, w, c], 0, 1, 'float32', seed + i) as tf.Tensor4D;
    const kernel = tf.randomNormal(k, 0, 0.1, 'float32', seed + i) as tf.Tensor4D;
    const [oh, ow] = n.outputShape as [number, number, number];
    const dy = tf.randomNormal([batch, oh, ow, k[3]], 0, 1, 'float32', seed + i);
    return { x, kernel, dy, strides: a.strides, padding: a.padding };
  });
  const times: number[] = [];
  try {
    for (let r = 0; r <= runs; r++) {
      const t0 = performance.now();
      for (const c of inputs) {
        const g = tf.grads((x: tf.Tensor, k: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, c.strides, c.padding), c.dy)))([c.x, c.kernel]);
        await Promise.all(g.map((t) => t.data()));
        tf.dispose(g);
      }
      if (r > 0) times.push(performance.now() - t0);
      await new Promise((res) => setImmediate(res));
    }
  } finally {
    tf.dispose(inputs.flatMap((c) => [c.x, c.kernel, c.dy]));
  }
  return times;
}
