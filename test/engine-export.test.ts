// The masked model folder must load with plain tf.loadLayersModel and compute
// what the engine computes: masked original + head (every head kind), and the
// mask files must round-trip.
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TargetMode } from '../engine/data/types.js';
import { exportMaskedModel } from '../engine/export/masked-model.js';
import { forward } from '../engine/graph/forward.js';
import { fileSystemHandler } from '../engine/graph/fs-io.js';
import { loadGraph } from '../engine/graph/import.js';
import { prepareParams } from '../engine/graph/params.js';
import { numel, type Graph } from '../engine/graph/types.js';
import { packMaskSet, unpackMaskSet } from '../engine/masks/mask-file.js';
import { maskSpecs, maskedParamsFor, type Granularity, type MaskSet } from '../engine/masks/masks.js';
import { HeadModule, initHead, type HeadKind } from '../engine/search/head.js';
import { Rng } from '../engine/random.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { randomImages, randomiseWeights, saveToTemp, tinyConvNet, tinyFunctional } from './fixtures/engine/tiny-models.js';

useEngineBackend();

let softmaxNet: Graph;
let functional: Graph;

beforeAll(async () => {
  const a = tinyConvNet({ size: 8, channels: 3, classes: 5, softmax: true });
  randomiseWeights(a, 5);
  softmaxNet = await loadGraph(await saveToTemp(a));
  functional = await loadGraph(await saveToTemp(tinyFunctional({ size: 8, channels: 3, classes: 5, seed: 2 })));
});

function randomMasks(graph: Graph, granularity: Granularity, seed: number): MaskSet {
  const rng = new Rng(seed);
  const specs = maskSpecs(graph, granularity);
  return { granularity, specs, masks: specs.map((s) => Uint8Array.from({ length: numel(s.shape) }, () => (rng.next() < 0.6 ? 1 : 0))) };
}

async function exportAndCompare(graph: Graph, masks: MaskSet, kind: HeadKind, mode: TargetMode, classes: number[]) {
  const head = initHead(kind, mode, classes, 5, new Rng(3));
  const { modelJson, weightData } = exportMaskedModel(graph, masks, head);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'seamflow-export-'));
  await writeFile(path.join(dir, 'model.json'), JSON.stringify(modelJson));
  await writeFile(path.join(dir, 'weights.bin'), weightData);
  const loaded = await tf.loadLayersModel(fileSystemHandler(dir));

  const params = prepareParams(graph);
  const masked = maskedParamsFor(params, masks);
  const hm = new HeadModule(head);
  const x = randomImages(4, 8, 3, 9);
  const ours = tf.tidy(() => {
    const out = hm.apply(forward(graph, masked.params, x, { logits: true }));
    // Sliced binary exports [p(t), 1 - p(t)]: the softmax of the search's outputs.
    return kind === 'sliced' && mode === 'binary' ? tf.softmax(out) : out;
  });
  const theirs = loaded.predict(x) as tf.Tensor;
  expect(theirs.shape).toEqual(ours.shape);
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0]!);
  expect(diff).toBeLessThan(1e-5);
  tf.dispose([x, ours, theirs]);
  hm.dispose();
  masked.dispose();
  loaded.dispose();
}

describe('masked model export', () => {
  for (const [kind, mode, classes] of [
    ['appended', 'binary', [2]],
    ['appended', 'multiclass', [0, 3, 4]],
    ['sliced', 'binary', [2]],
    ['sliced', 'multiclass', [4, 1]],
  ] as const) {
    it(`loads with tf.loadLayersModel and matches the engine: ${kind} head, ${mode} (final softmax dropped)`, async () => {
      await exportAndCompare(softmaxNet, randomMasks(softmaxNet, 'weight', 1), kind, mode, [...classes]);
    });
  }

  it('zeroes whole filters (conv, depthwise, dense) of a functional model at filter granularity', async () => {
    const masks = randomMasks(functional, 'filter', 4);
    await exportAndCompare(functional, masks, 'appended', 'multiclass', [0, 1, 2]);
    const dw = functional.byName.get('dw')!;
    const exported = exportMaskedModel(functional, masks, initHead('sliced', 'binary', [0], 5, new Rng(1)));
    expect(JSON.stringify(exported.modelJson.weightsManifest)).toContain('dw/depthwise_kernel');
    expect(dw.weights.kernel!.shape).toEqual([3, 3, 6, 1]);
  });
});

describe('mask files', () => {
  it('round-trip bit-packed masks with their index', () => {
    const set = randomMasks(functional, 'weight', 7);
    const { index, bin } = packMaskSet(set);
    const total = set.masks.reduce((a, m) => a + m.length, 0);
    expect(bin.length).toBeLessThanOrEqual(total / 8 + set.masks.length);
    expect(index.entries.map((e) => e.ones)).toEqual(set.masks.map((m) => m.reduce((a, b) => a + b, 0)));
    const back = unpackMaskSet(JSON.parse(JSON.stringify(index)), bin);
    expect(back.masks).toEqual(set.masks);
    expect(back.specs).toEqual(set.specs);
  });
});
