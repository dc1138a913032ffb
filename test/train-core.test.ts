// Training from scratch: BatchNorm in training mode, above-chance accuracy on
// the synthetic set, exact resume from an epoch checkpoint, and exported
// folders that plain TF.js loads.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { makeSyntheticDataset, SYNTHETIC_DEFAULTS } from '../engine/data/synthetic.js';
import { fileSystemHandler } from '../engine/graph/fs-io.js';
import { decodePlain, encodePlain } from '../engine/plain-codec.js';
import { architectureGraph, channelStats, type Architecture } from '../engine/train/architectures.js';
import { poisonSet } from '../engine/train/poison.js';
import { accuracyOf, predictClasses } from '../engine/train/predict.js';
import { writeGraphFolder } from '../engine/train/source-model.js';
import { fit, lrAt, TrainCheckpointMismatchError, type TrainCheckpoint, type TrainSettings } from '../engine/train/train.js';
import { TrainableModel } from '../engine/train/trainable.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { tempDir } from './helpers/temp-dir.js';

useEngineBackend();

const ds = makeSyntheticDataset({ ...SYNTHETIC_DEFAULTS });
const norm = channelStats(ds.train);
const settings: TrainSettings = { epochs: 4, batchSize: 32, lr: 0.05, schedule: 'cosine', momentum: 0.9, weightDecay: 5e-4, augment: false, seed: 3 };
const cnn = () => architectureGraph('cnn', { inputShape: [8, 8, 3], classes: 4, width: 0.25, normalisation: norm, seed: 1 });

describe('training from scratch', () => {
  it('a tiny cnn learns the synthetic set well above chance, leaking no tensors', async () => {
    const tensors = tf.memory().numTensors;
    const model = new TrainableModel(await cnn());
    const { history } = await fit({ model, train: ds.train, numOutputs: 4 }, settings);
    const acc = accuracyOf(await predictClasses(model.toGraph(), ds.test), ds.test.labels);
    model.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(history).toHaveLength(4);
    expect(history[3]!.loss).toBeLessThan(history[0]!.loss);
    expect(acc).toBeGreaterThan(0.8); // chance is 0.25
  });

  it('BatchNorm uses batch statistics when training, updates its moving averages, and leaves a frozen BN alone', async () => {
    const graph = await cnn();
    const model = new TrainableModel(graph, { bnMomentum: 0.1 });
    const x = tf.tensor4d(ds.train.images.subarray(0, 16 * 192), [16, 8, 8, 3]);
    // Batch-normalised output of conv1_bn: per channel mean ~ beta (0) and variance ~ gamma^2 (1).
    const [mean, variance] = tf.tidy(() => {
      const y = model.forward(x, true, { until: 'conv1_bn' });
      const m = tf.moments(y, [0, 1, 2]);
      return [m.mean.dataSync(), m.variance.dataSync()];
    });
    for (const v of mean!) expect(Math.abs(v)).toBeLessThan(1e-4);
    for (const v of variance!) expect(v).toBeCloseTo(1, 2);
    const before = model.getState().weights;
    const batchMean = tf.tidy(() => tf.moments(model.forward(x, false, { until: 'conv1' }), [0, 1, 2]).mean.dataSync() as Float32Array);
    model.trainStep(x, ds.train.labels.subarray(0, 16), 4, () => {});
    const after = model.getState().weights;
    const mm = after['conv1_bn/movingMean']!;
    mm.forEach((v, i) => expect(v).toBeCloseTo(0.9 * before['conv1_bn/movingMean']![i]! + 0.1 * batchMean[i]!, 5));
    expect(after['input_norm/movingMean']).toEqual(before['input_norm/movingMean']);
    expect(after['input_norm/movingVariance']).toEqual(before['input_norm/movingVariance']);
    x.dispose();
    model.dispose();
  });

  it('resuming from an epoch checkpoint ends exactly where an uninterrupted run ends (augmentation and poisoning on)', async () => {
    const s: TrainSettings = { ...settings, epochs: 3, augment: true };
    const p = poisonSet(ds.train, { trigger: { kind: 'patch', height: 2, width: 2, corner: 'bottom-right' }, rate: 0.1, target: 0 }, 3);
    const input = (model: TrainableModel) => ({ model, train: p.set, numOutputs: 4, restamp: { indices: p.indices, trigger: { kind: 'patch' as const, height: 2, width: 2, corner: 'bottom-right' as const } } });

    const full = new TrainableModel(await cnn());
    const done = await fit(input(full), s, { fingerprint: 'f' });
    const fullState = full.getState();
    full.dispose();

    let saved: Uint8Array | undefined;
    const first = new TrainableModel(await cnn());
    await fit(input(first), { ...s }, {
      fingerprint: 'f',
      onCheckpoint: (c) => {
        if (c.epoch === 1) saved = encodePlain(c);
      },
    });
    first.dispose();
    const ck = decodePlain<TrainCheckpoint>(saved!);
    expect(ck.epoch).toBe(1);
    const resumed = new TrainableModel(await cnn(), {}, ck.model);
    const rest = await fit(input(resumed), s, { fingerprint: 'f', resumeFrom: ck });
    const resumedState = resumed.getState();
    resumed.dispose();
    expect(rest.history.map((h) => h.loss)).toEqual(done.history.map((h) => h.loss));
    for (const [k, v] of Object.entries(fullState.weights)) expect(resumedState.weights[k], k).toEqual(v);

    const other = new TrainableModel(await cnn(), {}, ck.model);
    await expect(fit(input(other), { ...s, lr: 0.1 }, { fingerprint: 'f', resumeFrom: ck })).rejects.toThrow(TrainCheckpointMismatchError);
    other.dispose();
  });

  it('trains each epoch on the set trainForEpoch gives, and refuses one of another size or with poisoning', async () => {
    const half = { ...ds.train, count: 128, images: ds.train.images.subarray(0, 128 * 8 * 8 * 3), labels: ds.train.labels.subarray(0, 128) };
    const other = { ...ds.train, count: 128, images: ds.train.images.subarray(128 * 8 * 8 * 3), labels: ds.train.labels.subarray(128) };
    const seen: number[] = [];
    const run = async (trainForEpoch?: (e: number) => typeof half) => {
      const model = new TrainableModel(await cnn());
      try {
        return (await fit({ model, train: half, numOutputs: 4, ...(trainForEpoch ? { trainForEpoch } : {}) }, { ...settings, epochs: 2 })).history.map((h) => h.loss);
      } finally {
        model.dispose();
      }
    };
    const fixed = await run();
    const same = await run((e) => (seen.push(e), half));
    expect(seen).toEqual([0, 1]);
    expect(same).toEqual(fixed);
    expect(await run((e) => (e === 0 ? half : other))).not.toEqual(fixed);
    await expect(run(() => ({ ...half, count: 64 }))).rejects.toThrow("epoch 0's training set holds 64 images of 8x8x3, not 128 of 8x8x3");
    const model = new TrainableModel(await cnn());
    await expect(fit({ model, train: half, numOutputs: 4, trainForEpoch: () => half, restamp: { indices: new Int32Array([0]), trigger: { kind: 'patch', height: 2, width: 2, corner: 'bottom-right' } } }, settings)).rejects.toThrow(
      'poisoned images are indices into one fixed training set',
    );
    model.dispose();
  });

  it('learning-rate schedules', () => {
    expect(lrAt({ lr: 0.1, schedule: 'cosine' }, 0, 100)).toBeCloseTo(0.1, 12);
    expect(lrAt({ lr: 0.1, schedule: 'cosine' }, 50, 100)).toBeCloseTo(0.05, 12);
    expect(lrAt({ lr: 0.1, schedule: 'step' }, 60, 100)).toBeCloseTo(0.01, 12);
    expect(lrAt({ lr: 0.1, schedule: 'step' }, 80, 100)).toBeCloseTo(0.001, 12);
    expect(lrAt({ lr: 0.1, schedule: 'constant' }, 80, 100)).toBe(0.1);
  });

  it.each(['resnet20', 'resnet32', 'vgg11'] as Architecture[])('%s builds, trains a step and exports a folder plain TF.js loads with equal outputs', async (arch) => {
    const graph = await architectureGraph(arch, { inputShape: [8, 8, 3], classes: 4, width: 0.25, normalisation: norm, seed: 2 });
    const model = new TrainableModel(graph);
    await fit({ model, train: { ...ds.train, count: 32, images: ds.train.images.subarray(0, 32 * 192), labels: ds.train.labels.subarray(0, 32) }, numOutputs: 4 }, { ...settings, epochs: 1 });
    const trained = model.toGraph();
    model.dispose();
    const tmp = tempDir('seamflow-train-arch-');
    try {
      await writeGraphFolder(tmp.path, trained, arch);
      const loaded = await tf.loadLayersModel(fileSystemHandler(tmp.path));
      const x = tf.tensor4d(ds.test.images.subarray(0, 8 * 192), [8, 8, 8, 3]);
      const ours = await predictClasses(trained, { ...ds.test, count: 8 });
      const theirs = tf.tidy(() => tf.argMax(loaded.predict(x) as tf.Tensor, 1).dataSync() as Int32Array);
      expect(Array.from(theirs)).toEqual(Array.from(ours));
      x.dispose();
      loaded.dispose();
    } finally {
      tmp.remove();
    }
  });
});
