// `seamflow export --run DIR` and `seamflow compare`, called in-process (the
// dispatcher is tested elsewhere): what they print, and clear usage errors.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run as compare } from '../cli/commands/compare.js';
import { run as exportCmd } from '../cli/commands/export.js';
import { main } from '../cli/main.js';
import { UsageError } from '../cli/usage-error.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { fixtureGraph, randomMasks, resnetProjection } from './fixtures/export-models.js';
import { writeRunFolder } from './fixtures/export-run.js';
import { tempDir } from './helpers/temp-dir.js';

useEngineBackend();
const tmp = tempDir('seamflow-export-cli-');
afterAll(() => tmp.remove());
const run = path.join(tmp.path, 'run');
let modelDir: string;

beforeAll(async () => {
  process.env.SEAMFLOW_LOG_LEVEL = 'warn';
  const { graph, dir } = await fixtureGraph(resnetProjection, 6);
  modelDir = dir;
  await writeRunFolder(run, { graph, modelDir, masks: randomMasks(graph, 'filter', 4, 0.5), head: 'sliced', classes: [0, 1] });
});

async function stdoutOf(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    const code = await fn();
    return { code, out: log.mock.calls.map((c) => c.join(' ')).join('\n') };
  } finally {
    log.mockRestore();
  }
}

describe('seamflow export', () => {
  it('prints the three models side by side and where it wrote them', async () => {
    const { code, out } = await stdoutOf(() => exportCmd(['--run', run, '--batch-sizes', '1,4', '--runs', '2', '--warmup', '1']));
    expect(code).toBe(0);
    expect(out).toMatch(/model\s+params\s+MFLOPs\s+size\s+gzip\s+ms@1\s+ms@4/);
    expect(out).toMatch(/^original\s+\d+/m);
    expect(out).toMatch(/^compact\s+\d+/m);
    expect(out).toContain('compact / original: params 0.');
    expect(out).toContain(path.join(run, 'compact'));
  });

  it('explains bad usage', async () => {
    await expect(exportCmd([])).rejects.toThrow(/--run is required/);
    await expect(exportCmd(['--run', run, '--runs', '0'])).rejects.toThrow(/--runs must be a positive integer/);
    await expect(exportCmd(['--run', run, '--no-latency', '--runs', '3'])).rejects.toThrow(UsageError);
    await expect(exportCmd(['--run', path.join(tmp.path, 'missing')])).rejects.toThrow(/report.json not found/);
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(await main(['export', '--run', path.join(tmp.path, 'missing')])).toBe(2);
    err.mockRestore();
  });
});

describe('seamflow compare', () => {
  it('scores each model by its outputs and times them side by side', async () => {
    const { code, out } = await stdoutOf(() =>
      compare(['--model', modelDir, '--model', path.join(run, 'compact'), '--data', 'synthetic', '--target', '0,1', '--batch-sizes', '2', '--runs', '2']),
    );
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/model\s+outputs\s+accuracy\s+params\s+MFLOPs\s+size\s+gzip\s+ms@2/);
    expect(lines[1]).toMatch(/\s4\s+\d+\.\d\d%/);
    expect(lines[2]).toMatch(/^compact\s+2\s+\d+\.\d\d%/);
    expect(out).toContain('multiclass [0, 1] test split');
  });

  it('prints JSON with --json and refuses mismatched inputs', async () => {
    const { out } = await stdoutOf(() => compare(['--model', modelDir, '--model', path.join(run, 'masked'), '--data', 'synthetic', '--no-latency', '--json']));
    const json = JSON.parse(out);
    expect(json.models).toHaveLength(2);
    expect(json.models[0]).toMatchObject({ outputs: 4, scoredAs: 'original', latency: null });
    // Without a target, a 2-output model cannot be scored on 4 classes.
    expect(json.models[1]).toMatchObject({ outputs: 2, scoredAs: null, accuracy: null });
    await expect(compare(['--model', modelDir, '--data', 'synthetic'])).rejects.toThrow(/at least two --model/);
    await expect(compare(['--model', modelDir, '--model', modelDir, '--data', 'synthetic:size=16'])).rejects.toThrow(/take \[8, 8, 3\] but synthetic images are \[16, 16, 3\]/);
  });
});
