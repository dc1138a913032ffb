/**
 * The training loop shared by `seamflow train` (from scratch) and the defect
 * evaluation's fine-tuning: seeded shuffling and augmentation, SGD with
 * momentum and weight decay, a per-step learning-rate schedule, BatchNorm in
 * training mode (TrainableModel), and a plain-data checkpoint at every epoch
 * end that resumes to exactly the uninterrupted result.
 */
import * as tf from '@tensorflow/tfjs';
import { augmentBatch } from '../data/augment.js';
import type { ImageSet } from '../data/types.js';
import { Rng, type RngState } from '../random.js';
import { stampTrigger, type Trigger } from './poison.js';
import { Sgd, type SgdState } from './sgd.js';
import type { TrainableModel, TrainableState } from './trainable.js';

export type Schedule = 'cosine' | 'step' | 'constant';
export const SCHEDULES: readonly Schedule[] = ['cosine', 'step', 'constant'];

export interface TrainSettings {
  epochs: number;
  batchSize: number;
  lr: number;
  schedule: Schedule;
  momentum: number;
  weightDecay: number;
  augment: boolean;
  seed: number;
}

export interface TrainEpochRecord {
  epoch: number;
  loss: number;
  accuracy: number;
  lr: number;
  seconds: number;
  /** Filled in by the caller's onEpoch (e.g. test accuracy), kept in the checkpoint. */
  extra?: Record<string, number>;
}

export interface TrainCheckpoint {
  kind: 'seamflow-train-checkpoint';
  version: 1;
  settings: TrainSettings;
  fingerprint: string;
  /** Epochs finished. */
  epoch: number;
  rng: RngState;
  model: TrainableState;
  optimizer: SgdState;
  history: TrainEpochRecord[];
  elapsedSeconds: number;
}

export interface TrainInput {
  model: TrainableModel;
  /** Labels already in the model's output space. */
  train: ImageSet;
  numOutputs: number;
  /** Learning-rate multiplier per trainable variable (default 1). */
  lrScale?: (node: string) => number;
  /** Images to stamp again after augmentation (poisoned ones keep their trigger in place). */
  restamp?: { indices: Int32Array; trigger: Trigger };
  /**
   * The training set of one epoch, when it changes between epochs (fresh
   * negatives, engine/data/fresh-negatives.ts); a pure function of the epoch
   * (resuming depends on it) returning as many images as `train` holds.
   */
  trainForEpoch?: (epoch: number) => ImageSet;
  /** A distillation term: soft targets per (augmented) batch, its weight and temperature. */
  distill?: { targets: (x: tf.Tensor4D) => tf.Tensor2D; weight: number; temperature: number };
}

export interface TrainStepInfo {
  epoch: number;
  step: number;
  steps: number;
  loss: number;
  accuracy: number;
}

export interface TrainHooks {
  onStep?: (s: TrainStepInfo) => void;
  /** After each epoch; may add numbers to record.extra (stored in the checkpoint). */
  onEpoch?: (record: TrainEpochRecord) => void | Promise<void>;
  onCheckpoint?: (c: TrainCheckpoint) => void | Promise<void>;
  /** Resume here; the model must have been built from `resumeFrom.model`. */
  resumeFrom?: TrainCheckpoint;
  fingerprint?: string;
}

export class TrainCheckpointMismatchError extends Error {
  override name = 'TrainCheckpointMismatchError';
}

export function validateTrainSettings(s: TrainSettings): void {
  const bad: string[] = [];
  if (!Number.isInteger(s.epochs) || s.epochs < 1) bad.push(`epochs must be an integer >= 1, got ${s.epochs}`);
  if (!Number.isInteger(s.batchSize) || s.batchSize < 1) bad.push(`batch size must be an integer >= 1, got ${s.batchSize}`);
  if (!(s.lr > 0) || !Number.isFinite(s.lr)) bad.push(`lr must be > 0, got ${s.lr}`);
  if (!SCHEDULES.includes(s.schedule)) bad.push(`schedule must be one of ${SCHEDULES.join(', ')}, got ${String(s.schedule)}`);
  if (!(s.momentum >= 0 && s.momentum < 1)) bad.push(`momentum must be in [0, 1), got ${s.momentum}`);
  if (!(s.weightDecay >= 0)) bad.push(`weight decay must be >= 0, got ${s.weightDecay}`);
  if (!Number.isInteger(s.seed)) bad.push(`seed must be an integer, got ${s.seed}`);
  if (bad.length) throw new RangeError(bad.join('; '));
}

/** Learning rate at a global step: cosine to 0, step (x0.1 at 50% and 75%), or constant. */
export function lrAt(s: Pick<TrainSettings, 'lr' | 'schedule'>, step: number, totalSteps: number): number {
  const t = totalSteps > 0 ? step / totalSteps : 0;
  if (s.schedule === 'cosine') return s.lr * 0.5 * (1 + Math.cos(Math.PI * t));
  if (s.schedule === 'step') return s.lr * (t >= 0.75 ? 0.01 : t >= 0.5 ? 0.1 : 1);
  return s.lr;
}

/** CIFAR-style padding: 4 pixels at 32x32, scaled with the image size (at least 1). */
export function augmentPad(height: number): number {
  return Math.max(1, Math.round(height / 8));
}

export async function fit(input: TrainInput, settings: TrainSettings, hooks: TrainHooks = {}): Promise<{ history: TrainEpochRecord[]; checkpoint: TrainCheckpoint; seconds: number }> {
  validateTrainSettings(settings);
  const { model, numOutputs } = input;
  if (input.train.count === 0) throw new RangeError('no training images');
  if (input.restamp && input.trainForEpoch) throw new RangeError('poisoned images are indices into one fixed training set: they cannot change per epoch');
  const ck = hooks.resumeFrom;
  // The settings check below covers TrainSettings only: a checkpoint made with other distillation settings must not continue.
  const d = input.distill;
  const fingerprint = `${hooks.fingerprint ?? ''}${d ? `|distill ${d.weight} T ${d.temperature}` : ''}`;
  if (ck) checkResumable(ck, settings, fingerprint);
  const vars = model.trainableVariables();
  const nodes = model.trainableNodes();
  const opt = new Sgd(vars, nodes.map((n) => input.lrScale?.(n) ?? 1), { momentum: settings.momentum, weightDecay: settings.weightDecay }, ck?.optimizer);
  const rng = new Rng(ck ? ck.rng : settings.seed);
  const history = ck ? ck.history.slice() : [];
  let epoch = ck?.epoch ?? 0;
  const steps = Math.ceil(input.train.count / settings.batchSize);
  const total = steps * settings.epochs;
  const per = input.train.height * input.train.width * input.train.channels;
  const started = performance.now();
  const startElapsed = ck?.elapsedSeconds ?? 0;
  const elapsed = () => startElapsed + (performance.now() - started) / 1000;
  const poisoned = input.restamp ? new Set(input.restamp.indices) : undefined;
  const snapshot = (): TrainCheckpoint => ({
    kind: 'seamflow-train-checkpoint',
    version: 1,
    settings: { ...settings },
    fingerprint,
    epoch,
    rng: rng.getState(),
    model: model.getState(),
    optimizer: opt.getState(),
    history: history.slice(),
    elapsedSeconds: elapsed(),
  });
  try {
    while (epoch < settings.epochs) {
      const epochStart = performance.now();
      const train = epochSet(input, epoch);
      const order = rng.permutation(train.count);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let lr = settings.lr;
      for (let step = 0; step < steps; step++) {
        const start = step * settings.batchSize;
        const count = Math.min(settings.batchSize, train.count - start);
        let images: Float32Array = new Float32Array(count * per);
        const labels = new Int32Array(count);
        const restamp: number[] = [];
        for (let k = 0; k < count; k++) {
          const src = order[start + k]!;
          images.set(train.images.subarray(src * per, (src + 1) * per), k * per);
          labels[k] = train.labels[src]!;
          if (poisoned?.has(src)) restamp.push(k);
        }
        if (settings.augment) {
          images = augmentBatch(images, count, train.height, train.width, train.channels, rng, { pad: augmentPad(train.height) });
          if (restamp.length) stampTrigger(images, restamp, train.height, train.width, train.channels, input.restamp!.trigger);
        }
        lr = lrAt(settings, epoch * steps + step, total);
        const x = tf.tensor4d(images, [count, train.height, train.width, train.channels]);
        const soft = d && { ...d, targets: d.targets(x) };
        const r = model.trainStep(x, labels, numOutputs, (grads) => opt.apply(grads, lr), soft);
        x.dispose();
        soft?.targets.dispose();
        lossSum += r.loss * count;
        correct += r.correct;
        seen += count;
        hooks.onStep?.({ epoch, step: step + 1, steps, loss: r.loss, accuracy: correct / seen });
        await new Promise((resolve) => setImmediate(resolve));
      }
      const record: TrainEpochRecord = { epoch, loss: lossSum / seen, accuracy: correct / seen, lr, seconds: (performance.now() - epochStart) / 1000 };
      await hooks.onEpoch?.(record);
      history.push(record);
      epoch += 1;
      await hooks.onCheckpoint?.(snapshot());
    }
    const checkpoint = snapshot();
    return { history, checkpoint, seconds: checkpoint.elapsedSeconds };
  } finally {
    opt.dispose();
  }
}

function epochSet(input: TrainInput, epoch: number): ImageSet {
  if (!input.trainForEpoch) return input.train;
  const set = input.trainForEpoch(epoch);
  const { train } = input;
  if (set.count !== train.count || set.height !== train.height || set.width !== train.width || set.channels !== train.channels) {
    throw new RangeError(`epoch ${epoch}'s training set holds ${set.count} images of ${set.height}x${set.width}x${set.channels}, not ${train.count} of ${train.height}x${train.width}x${train.channels}`);
  }
  return set;
}

function checkResumable(ck: TrainCheckpoint, s: TrainSettings, fingerprint: string): void {
  if (ck.kind !== 'seamflow-train-checkpoint' || ck.version !== 1) throw new TrainCheckpointMismatchError('not a seamflow training checkpoint (or an unsupported version)');
  const diffs: string[] = [];
  for (const k of ['batchSize', 'lr', 'schedule', 'momentum', 'weightDecay', 'augment', 'seed'] as const) {
    if (ck.settings[k] !== s[k]) diffs.push(`${k} ${String(ck.settings[k])} -> ${String(s[k])}`);
  }
  if (ck.settings.epochs !== s.epochs && s.schedule !== 'constant') diffs.push(`epochs ${ck.settings.epochs} -> ${s.epochs} (the ${s.schedule} schedule depends on it)`);
  if (ck.fingerprint !== fingerprint) diffs.push('model/data differ');
  if (diffs.length) throw new TrainCheckpointMismatchError(`checkpoint does not match this training run: ${diffs.join('; ')}`);
}
