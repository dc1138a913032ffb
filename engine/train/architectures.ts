/**
 * Source-model architectures for `seamflow train`, built as standard TF.js
 * functional LayersModels (so the exported folder loads with plain
 * tf.loadLayersModel) and imported into the engine graph for training:
 * - resnet20 / resnet32: He et al.'s CIFAR ResNets (3 stages of 3 / 5 basic
 *   blocks, 16/32/64 channels), laid out like the shared reference model:
 *   stride-2 3x3 convs as ZeroPadding2D(1) + 'valid' conv, and the
 *   parameter-free option-A shortcut (AveragePooling2D(1, 2), channels
 *   zero-padded between two Permutes);
 * - vgg11: VGG-11 with BatchNorm (CIFAR variant), max-pools only while the
 *   feature map is larger than 1x1, global average pool, one Dense;
 * - cnn: three conv-BN-ReLU blocks (2 max-pools), global average pool, Dense.
 * Every model takes raw [0, 1] pixels: its first layer is a frozen
 * BatchNormalization holding the dataset's per-channel mean and variance.
 * Outputs are logits (linear Dense); the penultimate features are the global
 * average pool. Weights get seeded He-normal init (kernels), zero biases.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../data/types.js';
import { importGraph } from '../graph/import.js';
import type { ModelJson } from '../graph/model-folder.js';
import type { Graph, WeightTensor } from '../graph/types.js';
import { Rng } from '../random.js';

export const ARCHITECTURES = ['resnet20', 'resnet32', 'vgg11', 'cnn'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

export interface ArchitectureOptions {
  /** [height, width, channels]. */
  inputShape: [number, number, number];
  classes: number;
  /** Channel multiplier (1 = the published widths; cnn base width 16). */
  width?: number;
  /** Per-channel mean and variance of the training pixels, for the input normalisation. */
  normalisation?: { mean: number[]; variance: number[] };
  seed?: number;
}

type T = tf.SymbolicTensor;

export function isArchitecture(name: string): name is Architecture {
  return (ARCHITECTURES as readonly string[]).includes(name);
}

/** The architecture as a TF.js LayersModel (its weights are TF.js's default init; use architectureGraph for seeded ones). */
export function buildArchitecture(arch: Architecture, opts: ArchitectureOptions): tf.LayersModel {
  const [h, w, c] = opts.inputShape;
  const width = opts.width ?? 1;
  const ch = (n: number) => Math.max(1, Math.round(n * width));
  const input = tf.input({ shape: [h, w, c], name: 'input' });
  let x: T = tf.layers.batchNormalization({ name: 'input_norm', epsilon: 1e-12, trainable: false }).apply(input) as T;
  let counter = 0;
  const name = (base: string) => `${base}_${++counter}`;
  const conv = (t: T, filters: number, stride: number, label: string): T => {
    if (stride === 2) {
      t = tf.layers.zeroPadding2d({ padding: 1, name: `${label}_pad` }).apply(t) as T;
      return tf.layers.conv2d({ filters, kernelSize: 3, strides: 2, padding: 'valid', useBias: false, name: label }).apply(t) as T;
    }
    return tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', useBias: false, name: label }).apply(t) as T;
  };
  const bn = (t: T, label: string): T => tf.layers.batchNormalization({ name: label, momentum: 0.9, epsilon: 1e-5 }).apply(t) as T;
  const relu = (t: T, label: string): T => tf.layers.activation({ activation: 'relu', name: label }).apply(t) as T;

  if (arch === 'resnet20' || arch === 'resnet32') {
    const blocks = arch === 'resnet20' ? 3 : 5;
    x = relu(bn(conv(x, ch(16), 1, 'conv1'), 'bn1'), 'relu1');
    let inPlanes = ch(16);
    [16, 32, 64].forEach((base, stage) => {
      const planes = ch(base);
      for (let b = 0; b < blocks; b++) {
        const stride = stage > 0 && b === 0 ? 2 : 1;
        const p = `layer${stage + 1}_${b}`;
        let y = relu(bn(conv(x, planes, stride, `${p}_conv1`), `${p}_bn1`), `${p}_relu1`);
        y = bn(conv(y, planes, 1, `${p}_conv2`), `${p}_bn2`);
        let shortcut = x;
        if (stride !== 1 || inPlanes !== planes) {
          shortcut = tf.layers.averagePooling2d({ poolSize: 1, strides: stride, name: `${p}_sc_pool` }).apply(shortcut) as T;
          const extra = planes - inPlanes;
          const before = Math.floor(extra / 2);
          shortcut = tf.layers.permute({ dims: [3, 1, 2], name: `${p}_sc_chw` }).apply(shortcut) as T;
          shortcut = tf.layers.zeroPadding2d({ padding: [[before, extra - before], [0, 0]], name: `${p}_sc_pad` }).apply(shortcut) as T;
          shortcut = tf.layers.permute({ dims: [2, 3, 1], name: `${p}_sc_hwc` }).apply(shortcut) as T;
        }
        x = relu(tf.layers.add({ name: `${p}_add` }).apply([y, shortcut]) as T, `${p}_relu2`);
        inPlanes = planes;
      }
    });
  } else if (arch === 'vgg11') {
    const cfg: (number | 'M')[] = [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'];
    let size = Math.min(h, w);
    for (const v of cfg) {
      if (v === 'M') {
        if (size >= 2) {
          x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: name('pool') }).apply(x) as T;
          size = Math.floor(size / 2);
        }
      } else {
        const label = name('conv');
        x = relu(bn(conv(x, ch(v), 1, label), `${label}_bn`), `${label}_relu`);
      }
    }
  } else {
    const base = ch(16);
    [base, base * 2, base * 4].forEach((filters, i) => {
      const label = `conv${i + 1}`;
      x = relu(bn(conv(x, filters, 1, label), `${label}_bn`), `${label}_relu`);
      if (i < 2 && Math.min(h, w) >> (i + 1) >= 1) x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `pool${i + 1}` }).apply(x) as T;
    });
  }
  x = tf.layers.globalAveragePooling2d({ name: 'features' }).apply(x) as T;
  const out = tf.layers.dense({ units: opts.classes, name: 'logits' }).apply(x) as T;
  return tf.model({ inputs: input, outputs: out, name: arch });
}

/** The architecture as an engine graph with seeded weights (He-normal kernels, zero biases, BN identity, input normalisation). */
export async function architectureGraph(arch: Architecture, opts: ArchitectureOptions): Promise<Graph> {
  const model = buildArchitecture(arch, opts);
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
  model.dispose();
  const rng = new Rng(opts.seed ?? 0);
  const weights = new Map<string, WeightTensor>();
  const norm = opts.normalisation;
  for (const spec of artifacts!.weightSpecs!) {
    const shape = spec.shape.slice();
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const role = spec.name.slice(spec.name.lastIndexOf('/') + 1);
    const isInputNorm = spec.name.startsWith('input_norm/');
    if (role === 'kernel') {
      const fanIn = n / shape[shape.length - 1]!;
      const std = Math.sqrt(2 / fanIn);
      for (let i = 0; i < n; i++) data[i] = rng.normal() * std;
    } else if (role === 'gamma' || role === 'moving_variance') {
      data.fill(1);
      if (isInputNorm && role === 'moving_variance' && norm) data.set(norm.variance);
    } else if (isInputNorm && role === 'moving_mean' && norm) data.set(norm.mean);
    weights.set(spec.name, { shape, data });
  }
  const modelJson: ModelJson = { format: 'layers-model', modelTopology: artifacts!.modelTopology as Record<string, unknown>, weightsManifest: [] };
  return importGraph(modelJson, weights);
}

/** Per-channel mean and (biased) variance of a set's pixels. */
export function channelStats(set: ImageSet): { mean: number[]; variance: number[] } {
  const c = set.channels;
  const sum = new Float64Array(c);
  const sq = new Float64Array(c);
  const n = set.images.length / c;
  for (let i = 0; i < set.images.length; i++) {
    const v = set.images[i]!;
    sum[i % c]! += v;
    sq[i % c]! += v * v;
  }
  const mean = Array.from(sum, (s) => s / n);
  const variance = Array.from(sq, (s, k) => Math.max(1e-6, s / n - mean[k]! ** 2));
  return { mean, variance };
}
