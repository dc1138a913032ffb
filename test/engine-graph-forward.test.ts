// The engine's own forward pass over the imported graph must agree with
// TF.js's LayersModel.predict: that is what makes masks and exports trustworthy.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadGraph } from '../engine/graph/import.js';
import { forward } from '../engine/graph/forward.js';
import { disposeParams, prepareParams } from '../engine/graph/params.js';
import { fileSystemHandler } from '../engine/graph/fs-io.js';
import { randomImages, saveToTemp, tinyConvNet, tinyFunctional, randomiseWeights } from './fixtures/engine/tiny-models.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function expectSameAsPredict(model: tf.LayersModel, dir: string, size: number, channels: number) {
  const graph = await loadGraph(dir);
  const params = prepareParams(graph);
  const x = randomImages(3, size, channels, 7);
  const want = model.predict(x) as tf.Tensor;
  const got = tf.tidy(() => forward(graph, params, x));
  expect(got.shape).toEqual(want.shape);
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(got, want))).dataSync()[0]!);
  expect(diff).toBeLessThan(1e-4);
  tf.dispose([x, want, got]);
  disposeParams(params);
  return graph;
}

describe('graph import + forward', () => {
  it('matches predict on a functional model with conv/bn/depthwise/add/pool/permute-pad/concat/reshape/dense', async () => {
    const model = tinyFunctional({ size: 8, channels: 3, classes: 4 });
    const dir = await saveToTemp(model);
    const graph = await expectSameAsPredict(model, dir, 8, 3);
    expect(graph.nodes.map((n) => n.attrs.op)).toContain('depthwiseConv2d');
    expect(graph.byName.get('to_hwc')!.outputShape).toEqual([4, 4, 8]);
    expect(graph.byName.get('logits')!.weights.kernel!.shape).toEqual([14, 4]);
  });

  it('matches predict on a Sequential model (implicit input layer)', async () => {
    const model = tinyConvNet({ size: 8, channels: 1, classes: 3 });
    randomiseWeights(model, 3);
    const dir = await saveToTemp(model);
    const graph = await expectSameAsPredict(model, dir, 8, 1);
    expect(graph.nodes[0]!.attrs).toEqual({ op: 'input', shape: [8, 8, 1] });
  });

  it('matches predict on the shared ResNet-20 (channel-padding shortcut, BN folded)', async () => {
    const dir = '../shared/models/resnet20-cifar10';
    const model = await tf.loadLayersModel(fileSystemHandler(dir));
    const graph = await expectSameAsPredict(model, dir, 32, 3);
    expect(graph.nodes.filter((n) => n.attrs.op === 'conv2d')).toHaveLength(19);
    model.dispose();
  });
});
