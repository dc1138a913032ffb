import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../engine/data/load.js';
import { makeSyntheticDataset, parseSyntheticParams, SYNTHETIC_DEFAULTS } from '../engine/data/synthetic.js';

describe('synthetic dataset', () => {
  it('is a pure function of its parameters', async () => {
    const a = await loadDataset('synthetic:classes=4,size=8,channels=3,train=64,test=32,seed=7');
    const b = await loadDataset('synthetic:seed=7,train=64,test=32');
    expect(a.train.images).toEqual(b.train.images);
    expect(a.train.labels).toEqual(b.train.labels);
    expect(a.test.images).toEqual(b.test.images);
    const c = await loadDataset('synthetic:seed=8,train=64,test=32');
    expect(c.train.images).not.toEqual(a.train.images);
  });

  it('has the requested shape, values in [0, 1] and balanced classes', () => {
    const ds = makeSyntheticDataset({ ...SYNTHETIC_DEFAULTS, classes: 3, size: 6, channels: 1, train: 30, test: 9 });
    expect(ds.train).toMatchObject({ count: 30, height: 6, width: 6, channels: 1 });
    expect(ds.train.images.length).toBe(30 * 36);
    expect(ds.test.count).toBe(9);
    expect(ds.classNames).toEqual(['class0', 'class1', 'class2']);
    expect(Math.min(...ds.train.images)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...ds.train.images)).toBeLessThanOrEqual(1);
    const counts = [0, 0, 0];
    for (const l of ds.train.labels) counts[l]!++;
    expect(counts).toEqual([10, 10, 10]);
  });

  it('keeps the test set when only the training size changes (separate streams)', () => {
    const small = makeSyntheticDataset({ ...SYNTHETIC_DEFAULTS, train: 16 });
    const big = makeSyntheticDataset({ ...SYNTHETIC_DEFAULTS, train: 64 });
    expect(big.test.images).toEqual(small.test.images);
  });

  it('rejects unknown keys and bad values, naming them', () => {
    expect(() => parseSyntheticParams('clases=4')).toThrow(/unknown synthetic parameter "clases"/);
    expect(() => parseSyntheticParams('classes=1')).toThrow(/"classes=1" needs an integer in 2\.\.256/);
    expect(() => parseSyntheticParams('size=abc')).toThrow(/"size=abc"/);
    expect(() => parseSyntheticParams('noise=0.5,noise=0.2')).toThrow(/"noise" given twice/);
  });

  it('is learnable by a tiny conv net', async () => {
    // The point of the dataset: fast tests of training code need data a small model really learns.
    await tf.setBackend('cpu');
    const ds = makeSyntheticDataset({ ...SYNTHETIC_DEFAULTS, train: 256, test: 128, seed: 3 });
    const shape = [ds.train.height, ds.train.width, ds.train.channels];
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: shape, filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(0.01), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const x = tf.tensor4d(ds.train.images, [ds.train.count, ...shape] as [number, number, number, number]);
    const y = tf.tensor1d(ds.train.labels, 'float32');
    await model.fit(x, y, { epochs: 6, batchSize: 32, shuffle: false, verbose: 0 });
    const xt = tf.tensor4d(ds.test.images, [ds.test.count, ...shape] as [number, number, number, number]);
    const pred = (model.predict(xt) as tf.Tensor).argMax(-1).dataSync();
    let correct = 0;
    for (let i = 0; i < ds.test.count; i++) if (pred[i] === ds.test.labels[i]) correct++;
    expect(correct / ds.test.count).toBeGreaterThan(0.9);
    tf.dispose([x, y, xt]);
    model.dispose();
  });
});
