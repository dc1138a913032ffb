// The shared ResNet-20 (option-A shortcuts: AveragePooling2D + Permute ->
// ZeroPadding2D -> Permute; explicit ZeroPadding2D before the stride-2 convs)
// with random filter masks: the compact folder loads with plain
// tf.loadLayersModel, is smaller, and reproduces the masked model.
import * as tf from '@tensorflow/tfjs';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { exportModels } from '../engine/export/export-models.js';
import { fileSystemHandler } from '../engine/graph/fs-io.js';
import { loadGraph } from '../engine/graph/import.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { randomMasks } from './fixtures/export-models.js';
import { tempDir } from './helpers/temp-dir.js';

const RESNET20 = '../shared/models/resnet20-cifar10';
useEngineBackend();
const tmp = tempDir('seamflow-export-r20-');
afterAll(() => tmp.remove());

describe.skipIf(!existsSync(`${RESNET20}/model.json`))('ResNet-20 compact export', () => {
  it('random ~50% filter masks: compact == masked within 1e-4, every conv narrower or equal', async () => {
    const graph = await loadGraph(RESNET20);
    const report = await exportModels({
      graph,
      originalDir: RESNET20,
      masks: randomMasks(graph, 'filter', 7, 0.5),
      target: tmp.path,
      latency: false,
      verify: { samples: 8 },
    });
    // exportModels compares the two folders as loaded by tf.loadLayersModel.
    expect(report.verification.maxAbsDiff).toBeLessThan(1e-4);
    const { original, compact } = report.models;
    expect(compact.params / original.params).toBeLessThan(0.6);
    expect(compact.flops / original.flops).toBeLessThan(0.65);
    expect(report.removal.groups.removed).toBeGreaterThan(100);
    // Plain TF.js builds every layer from its config and checks each manifest shape against it.
    const model = await tf.loadLayersModel(fileSystemHandler(`${tmp.path}/compact`));
    const json = JSON.parse(await readFile(`${tmp.path}/compact/model.json`, 'utf8'));
    const manifest = new Map<string, number[]>(json.weightsManifest[0].weights.map((w: { name: string; shape: number[] }) => [w.name, w.shape]));
    expect(model.weights.map((w) => [w.originalName, w.shape])).toEqual(model.weights.map((w) => [w.originalName, manifest.get(w.originalName)]));
    expect(model.weights).toHaveLength(manifest.size);
    model.dispose();
    const reloaded = await loadGraph(`${tmp.path}/compact`);
    const widths = (name: string) => reloaded.byName.get(name)?.outputShape.at(-1);
    for (const node of graph.nodes.filter((n) => n.attrs.op === 'conv2d')) {
      const w = widths(node.name);
      if (w !== undefined) expect(w).toBeLessThanOrEqual(node.outputShape.at(-1)!);
    }
  });
});
