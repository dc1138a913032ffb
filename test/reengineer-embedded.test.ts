import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { trainTinyOnSynthetic } from './fixtures/engine/trained.js';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';

// The embedded default as a user types it: no TEMPORAL_ADDRESS, no S3; the CLI brings up
// a local Temporal dev server and in-process workers, and the filesystem artifact store.
useEngineBackend();

describe('seamflow reengineer on the embedded default', () => {
  it('runs the workflow, copies the artifacts out, lists and shows the run; a rerun reuses every stage', async () => {
    const trained = await trainTinyOnSynthetic();
    const dir = tempDir('seamflow-embedded-');
    try {
      const env = {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        SEAMFLOW_DATA_DIR: path.join(dir.path, 'data'),
        SEAMFLOW_BACKEND: 'wasm',
        SEAMFLOW_WASM_THREADS: '1',
      };
      const args = (out: string, runId: string) => [
        'reengineer', '--model', trained.dir, '--data', trained.spec, '--target', '2', '--head', 'sliced',
        '--epochs', '3', '--batch', '32', '--out', path.join(dir.path, out), '--run-id', runId,
      ];
      const first = await runCli(args('first', 'embedded-1'), env, 180_000);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain('run embedded-1 on Temporal 127.0.0.1:');
      expect(first.stdout).toMatch(/re-engineered accuracy \d+\.\d+%, WRR \d+\.\d+%/);
      for (const f of ['report.json', 'masks/masks.json', 'masks/masks.bin', 'masked/model.json', 'masked/weights.bin', 'compact/model.json', 'compact/weights.bin']) {
        expect(existsSync(path.join(dir.path, 'first', f)), f).toBe(true);
      }
      const report = JSON.parse(await readFile(path.join(dir.path, 'first', 'report.json'), 'utf8'));
      expect(report.target).toMatchObject({ mode: 'binary', classes: [2] });
      expect(report.search.epochs).toBe(3);

      const second = await runCli(args('second', 'embedded-2'), env, 180_000);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stderr).toMatch(/stage searchMasks: done \(cached\)/);
      const again = JSON.parse(await readFile(path.join(dir.path, 'second', 'report.json'), 'utf8'));
      expect(again.reengineered).toEqual(report.reengineered);

      const runs = await runCli(['runs'], env);
      expect(runs.stdout).toMatch(/embedded-1\s+COMPLETED/);
      expect(runs.stdout).toMatch(/embedded-2\s+COMPLETED/);
      const status = await runCli(['status', 'embedded-1'], env);
      expect(status.code, status.stderr).toBe(0);
      expect(status.stdout).toMatch(/searchMasks\s+done/);
      expect(status.stdout).toContain('report: runs/embedded-1/report.json');
    } finally {
      dir.remove();
    }
  });
});
