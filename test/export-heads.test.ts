// exportModels end to end for every head kind: both folders load with plain
// tf.loadLayersModel, compact == masked, and the output layer keeps only what
// the target problem needs (a sliced multi-class head folds into it).
import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportModels } from '../engine/export/export-models.js';
import { fileSystemHandler } from '../engine/graph/fs-io.js';
import { initHead } from '../engine/search/head.js';
import { Rng } from '../engine/random.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { fixtureGraph, flattenDense, randomInput, randomMasks, resnetProjection } from './fixtures/export-models.js';
import { tempDir } from './helpers/temp-dir.js';

useEngineBackend();
const tmp = tempDir('seamflow-export-heads-');
afterAll(() => tmp.remove());

describe('exportModels with a head', () => {
  it.each([
    ['appended', 'binary', [2]],
    ['appended', 'multiclass', [0, 3]],
    ['sliced', 'binary', [1]],
    ['sliced', 'multiclass', [3, 1]],
  ] as const)('%s %s head: folders load, compact == masked', async (kind, mode, classes) => {
    // flattenDense ends in a softmax Dense: the export works on its logits.
    const { graph, dir } = await fixtureGraph(flattenDense, 4);
    const head = initHead(kind, mode, [...classes], 4, new Rng(9));
    const target = path.join(tmp.path, `${kind}-${mode}`);
    const report = await exportModels({ graph, originalDir: dir, masks: randomMasks(graph, 'filter', 5, 0.4), head, target, latency: false });
    expect(report.verification.maxAbsDiff).toBeLessThan(1e-4);
    expect(report.head).toEqual({ kind, mode, classes: [...classes] });
    const k = mode === 'binary' ? 2 : classes.length;
    const x = randomInput(graph, 3, 2);
    for (const folder of ['masked', 'compact']) {
      const model = await tf.loadLayersModel(fileSystemHandler(path.join(target, folder)));
      const y = model.predict(x) as tf.Tensor;
      expect(y.shape).toEqual([3, k]);
      if (kind === 'sliced' && mode === 'binary') {
        for (const s of Array.from(tf.tidy(() => tf.sum(y, 1).dataSync()))) expect(s).toBeCloseTo(1, 5);
      }
      tf.dispose(y);
      model.dispose();
    }
    x.dispose();
    const compactJson = JSON.parse(await readFile(path.join(target, 'compact', 'model.json'), 'utf8'));
    const layers = compactJson.modelTopology.config.layers as { name: string; class_name: string; config: { units?: number } }[];
    const out = layers.find((l) => l.name === compactJson.modelTopology.config.output_layers[0][0])!;
    if (kind === 'sliced' && mode === 'multiclass') {
      // The selection folded into the original output layer, which now has only the target classes, in order.
      expect(report.removal.fusedLayers).toEqual(['seam_select']);
      expect(out).toMatchObject({ name: 'probs', class_name: 'Dense', config: { units: 2 } });
    }
    if (kind === 'appended') expect(out).toMatchObject({ class_name: 'Dense', config: { units: k } });
  });

  it('reports params, FLOPs, sizes and side-by-side latency with ratios', async () => {
    const { graph, dir } = await fixtureGraph(resnetProjection, 2);
    const target = path.join(tmp.path, 'measured');
    const report = await exportModels({
      graph,
      originalDir: dir,
      masks: randomMasks(graph, 'filter', 8, 0.6),
      head: initHead('sliced', 'multiclass', [0, 2], 4, new Rng(1)),
      target,
      latency: { batchSizes: [1, 4], runs: 3, warmup: 1 },
    });
    const { original, masked, compact } = report.models;
    expect(compact.params).toBeLessThan(masked.params);
    expect(compact.flops).toBeLessThan(original.flops);
    expect(compact.fileBytes).toBeLessThan(masked.fileBytes);
    expect(compact.gzipBytes).toBeGreaterThan(0);
    expect(masked.nonzeroParams).toBeLessThan(masked.params);
    for (const m of [original, masked, compact]) expect(m.latency!.map((l) => l.batchSize)).toEqual([1, 4]);
    expect(report.ratios.compactToOriginal.params).toBeCloseTo(compact.params / original.params, 12);
    expect(Object.keys(report.ratios.compactToMasked.latency!)).toEqual(['1', '4']);
    expect(report.backend).toBe(tf.getBackend());
    expect(report.models.compact.dir).toBe('compact');
  });
});
