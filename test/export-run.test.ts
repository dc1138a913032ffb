// `exportRun` on a folder laid out like `seamflow reengineer`'s: adds masked/,
// compact/ and report.json's "export" section without losing anything, and
// refuses a folder whose masks and masked model do not belong together.
import * as tf from '@tensorflow/tfjs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunFolderError } from '../engine/export/errors.js';
import { exportRun } from '../engine/export/run-folder.js';
import { fileSystemHandler } from '../engine/graph/fs-io.js';
import type { Graph } from '../engine/graph/types.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { fixtureGraph, randomMasks, resnetProjection } from './fixtures/export-models.js';
import { writeRunFolder } from './fixtures/export-run.js';
import { tempDir } from './helpers/temp-dir.js';

useEngineBackend();
const tmp = tempDir('seamflow-export-run-');
afterAll(() => tmp.remove());
let graph: Graph;
let modelDir: string;
beforeAll(async () => {
  ({ graph, dir: modelDir } = await fixtureGraph(resnetProjection, 3));
});

describe('exportRun', () => {
  it('writes masked/ and compact/ and adds "export" to report.json, keeping every other field', async () => {
    const run = path.join(tmp.path, 'ok');
    await writeRunFolder(run, { graph, modelDir, masks: randomMasks(graph, 'filter', 2, 0.5), head: 'appended', classes: [1] });
    const before = JSON.parse(await readFile(path.join(run, 'report.json'), 'utf8'));
    const report = await exportRun(run, { latency: { batchSizes: [2], runs: 2, warmup: 1 } });
    const after = JSON.parse(await readFile(path.join(run, 'report.json'), 'utf8'));
    expect(after).toEqual({ ...before, export: JSON.parse(JSON.stringify(report)) });
    expect(after.export.head).toEqual({ kind: 'appended', mode: 'binary', classes: [1] });
    expect(after.export.models.original.dir).toBe(modelDir);
    expect(after.export.models.compact.latency[0].batchSize).toBe(2);
    for (const folder of ['masked', 'compact']) {
      const m = await tf.loadLayersModel(fileSystemHandler(path.join(run, folder)));
      expect(m.outputs[0]!.shape).toEqual([null, 2]);
      m.dispose();
    }
    // A second export replaces the first.
    const again = await exportRun(run, { latency: false });
    expect(again.models.compact.params).toBe(report.models.compact.params);
  });

  it('refuses masks that do not match the masked model, or a folder without them', async () => {
    const run = path.join(tmp.path, 'mixed');
    await writeRunFolder(run, {
      graph,
      modelDir,
      masks: randomMasks(graph, 'filter', 2, 0.5),
      maskedFrom: randomMasks(graph, 'filter', 3, 0.5),
      head: 'sliced',
      classes: [0, 2],
    });
    await expect(exportRun(run, { latency: false })).rejects.toThrow(/not zero although masked out: masks and model are from different runs/);
    await rm(path.join(run, 'masks', 'masks.bin'));
    await expect(exportRun(run, { latency: false })).rejects.toThrow(RunFolderError);
    await expect(exportRun(path.join(tmp.path, 'nothing'))).rejects.toThrow(/report.json not found/);
  });
});
