// [ours] Distillation during fine-tuning: the original's soft targets on the
// target problem's labels, the mixed loss (weight 1 against one-hot targets at
// T = 1 is exactly the plain cross-entropy), a distilled fine-tuning that
// keeps masked-out weights at zero and moves the model towards the teacher,
// and a checkpoint made with other distillation settings is refused.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeTargetProblem } from '../engine/data/target.js';
import type { TargetProblem } from '../engine/data/types.js';
import { teacherFor } from '../engine/finetune/distill.js';
import { finetuneReengineered, type FinetuneCheckpoint } from '../engine/finetune/finetune.js';
import { finetuneSettingsFor, validateFinetune } from '../engine/finetune/settings.js';
import { forward } from '../engine/graph/forward.js';
import { loadGraph } from '../engine/graph/import.js';
import { disposeParams, prepareParams } from '../engine/graph/params.js';
import type { Graph } from '../engine/graph/types.js';
import { fullMasks, maskSpecs, type MaskSet } from '../engine/masks/masks.js';
import { Rng } from '../engine/random.js';
import { initHead } from '../engine/search/head.js';
import { TrainableModel } from '../engine/train/trainable.js';
import { fit, TrainCheckpointMismatchError } from '../engine/train/train.js';
import { buildMasked } from '../engine/export/build.js';
import { maskedOutValues } from './helpers/masked-out.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { trainTinyOnSynthetic, type Trained } from './fixtures/engine/trained.js';

useEngineBackend();

let trained: Trained;
let graph: Graph;
let binary: TargetProblem;
let multi: TargetProblem;

beforeAll(async () => {
  trained = await trainTinyOnSynthetic();
  graph = await loadGraph(trained.dir);
  binary = makeTargetProblem(trained.dataset, { mode: 'binary', classes: [2], seed: 1 });
  multi = makeTargetProblem(trained.dataset, { mode: 'multiclass', classes: [3, 0], seed: 1 });
});

const images = (set: TargetProblem['train'], n: number) =>
  tf.tensor4d(set.images.subarray(0, n * set.height * set.width * set.channels), [n, set.height, set.width, set.channels]);

/** The original's logits for a batch, as plain arrays. */
function originalLogits(x: tf.Tensor4D): number[][] {
  const p = prepareParams(graph);
  try {
    return tf.tidy(() => forward(graph, p, x, { logits: true })).arraySync() as number[][];
  } finally {
    disposeParams(p);
  }
}

const softmax = (v: number[]) => {
  const m = Math.max(...v);
  const e = v.map((z) => Math.exp(z - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((z) => z / s);
};

/** Masks that drop a random half of every kernel's weights (biases kept). */
function halfMasks(g: Graph, seed: number): MaskSet {
  const full = fullMasks('weight', maskSpecs(g, 'weight'));
  const rng = new Rng(seed);
  return { ...full, masks: full.masks.map((m, i) => (full.specs[i]!.role === 'kernel' ? m.map(() => (rng.next() < 0.5 ? 0 : 1)) : m)) };
}

const slicedHead = () => initHead('sliced', 'multiclass', [3, 0], trained.dataset.classNames.length, new Rng(0));

describe('teacher soft targets', () => {
  it('binary: the target class against the sum of the rest, at the temperature', () => {
    const x = images(binary.test, 6);
    const teacher = teacherFor(graph, binary, 3);
    const got = teacher.targets(x).arraySync();
    teacher.dispose();
    originalLogits(x).forEach((z, i) => {
      const p = softmax(z.map((v) => v / 3));
      expect(got[i]![0]).toBeCloseTo(p[2]!, 5);
      expect(got[i]![1]).toBeCloseTo(1 - p[2]!, 5);
    });
    x.dispose();
  });

  it('multiclass: the softmax of the target classes\' logits, in the problem\'s order', () => {
    const x = images(multi.test, 6);
    const [hot, cool] = [1, 8].map((t) => {
      const teacher = teacherFor(graph, multi, t);
      const y = teacher.targets(x).arraySync();
      teacher.dispose();
      return y;
    });
    originalLogits(x).forEach((z, i) => {
      const p = softmax([z[3]!, z[0]!]);
      expect(hot![i]![0]).toBeCloseTo(p[0]!, 5);
      expect(hot![i]![1]).toBeCloseTo(p[1]!, 5);
      // A higher temperature flattens: the larger probability shrinks towards 1/2.
      expect(Math.max(...cool![i]!)).toBeLessThanOrEqual(Math.max(...hot![i]!) + 1e-6);
    });
    x.dispose();
  });
});

describe('distilled training step', () => {
  it('with weight 1, one-hot soft targets and T = 1 equals the plain cross-entropy step', () => {
    const x = images(multi.train, 8);
    const labels = multi.train.labels.slice(0, 8);
    const step = (soft: boolean) => {
      const model = new TrainableModel(graph, {});
      let grads: number[][] = [];
      const k = trained.dataset.classNames.length;
      const targets = tf.oneHot(tf.tensor1d(labels, 'int32'), k).toFloat() as tf.Tensor2D;
      const r = model.trainStep(x, labels, k, (g) => (grads = g.map((t) => Array.from(t.dataSync()))), soft ? { targets, weight: 1, temperature: 1 } : undefined);
      targets.dispose();
      model.dispose();
      return { ...r, grads };
    };
    const [plain, distilled] = [step(false), step(true)];
    expect(distilled.loss).toBeCloseTo(plain.loss, 5);
    expect(distilled.correct).toBe(plain.correct);
    distilled.grads.forEach((g, i) => g.forEach((v, j) => expect(v).toBeCloseTo(plain.grads[i]![j]!, 5)));
    x.dispose();
  });
});

describe('distilled fine-tuning', () => {
  const settings = finetuneSettingsFor({ epochs: 2, lr: 0.05, distill: 1, temperature: 2 }, { batchSize: 16, augment: false, seed: 3 });

  it('moves the model towards the teacher, masked-out weights staying zero', async () => {
    expect(settings.distill).toEqual({ weight: 1, temperature: 2 });
    // The training loop as fine-tuning drives it, without the best-on-validation selection on top.
    const masks = halfMasks(graph, 4);
    const built = buildMasked({ graph, masks, head: slicedHead() });
    const model = new TrainableModel(built.graph, { masks });
    const teacher = teacherFor(graph, multi, settings.distill!.temperature);
    const x = images(multi.val, multi.val.count);
    const probe = teacherFor(graph, multi, 1);
    const target = probe.targets(x);
    /** Mean absolute difference between the model's and the original's probabilities on the validation images. */
    const disagreement = () => {
      const g = model.toGraph();
      const p = prepareParams(g);
      const d = tf.tidy(() => tf.mean(tf.abs(tf.sub(tf.softmax(forward(g, p, x, { logits: true })), target))).dataSync()[0]!);
      disposeParams(p);
      return d;
    };
    try {
      const before = disagreement();
      await fit(
        { model, train: multi.train, numOutputs: multi.numOutputs, distill: { targets: teacher.targets, weight: 1, temperature: 2 } },
        { epochs: 4, batchSize: 16, lr: 0.01, schedule: 'cosine', momentum: 0.9, weightDecay: 0, augment: false, seed: 3 },
      );
      expect(disagreement()).toBeLessThan(before * 0.5);
      expect(maskedOutValues(masks, model.toGraph()).every((v) => v === 0)).toBe(true);
    } finally {
      tf.dispose([x, target]);
      [model, teacher, probe].forEach((d) => d.dispose());
    }
  });

  it('refuses a checkpoint made with other distillation settings, and bad settings', async () => {
    const masks = halfMasks(graph, 4);
    const input = { graph, masks, head: slicedHead(), problem: multi };
    const checkpoints: FinetuneCheckpoint[] = [];
    await finetuneReengineered(input, { ...settings, epochs: 2 }, { onCheckpoint: (c) => void checkpoints.push(c) });
    const other = { ...settings, distill: { weight: 0.5, temperature: 2 } };
    await expect(finetuneReengineered(input, other, { resumeFrom: checkpoints[0] })).rejects.toThrow(TrainCheckpointMismatchError);
    await expect(finetuneReengineered(input, { ...settings, distill: undefined }, { resumeFrom: checkpoints[0] })).rejects.toThrow(/model\/data differ/);
    expect(() => validateFinetune({ ...settings, distill: { weight: 1.5, temperature: 2 } })).toThrow('distillation weight must be in (0, 1], got 1.5');
    expect(() => validateFinetune({ ...settings, distill: { weight: 0.5, temperature: 0 } })).toThrow('distillation temperature must be > 0, got 0');
    expect(() => finetuneSettingsFor({ epochs: 1, temperature: 2 }, { batchSize: 8, seed: 0 })).toThrow('a distillation temperature needs a distillation weight > 0');
  });
});
