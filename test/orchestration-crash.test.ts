import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StoredSearch } from '../activities/search-masks.js';
import { getPlain } from '../activities/store-codec.js';
import { loadGraphFromStore } from '../activities/model-bundle.js';
import type { TargetProblem } from '../engine/data/types.js';
import { disposeParams, prepareParams } from '../engine/graph/params.js';
import { runSearch } from '../engine/search/search.js';
import { packageRoot } from '../infra/paths.js';
import type { ReengineerSpec, SearchHeartbeat } from '../workflows/types.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { useTinyOrchestration } from './helpers/orchestration-harness.js';

// kill -9 of the worker running a search: a new worker resumes from the last checkpoint.
useEngineBackend();

const children: ChildProcess[] = [];

const orch = useTinyOrchestration({
  // Light stages in this process; the search only in child worker processes that the test kills.
  orchestration: { queues: ['cpu'] },
  train: { size: 16, train: 2048 },
  beforeClose: () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  },
});

function startGpuWorker(): ChildProcess {
  const { stack } = orch;
  const child = spawn(process.execPath, [path.join(packageRoot, 'bin', 'seamflow.mjs'), 'worker', '--queues', 'gpu', '--allow-cpu-for-gpu'], {
    cwd: packageRoot,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      TEMPORAL_NAMESPACE: stack.namespace,
      SEAMFLOW_S3_ENDPOINT: stack.s3!.endpoint,
      SEAMFLOW_S3_BUCKET: 'seamflow',
      AWS_ACCESS_KEY_ID: stack.s3!.accessKey,
      AWS_SECRET_ACCESS_KEY: stack.s3!.secretKey,
      SEAMFLOW_BACKEND: 'wasm',
      SEAMFLOW_WASM_THREADS: '1',
      SEAMFLOW_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  return child;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('a worker killed mid-search', () => {
  it('is replaced by another that resumes from the last checkpoint, to the uninterrupted result', async () => {
    const spec: ReengineerSpec = {
      model: orch.trained.dir,
      data: orch.trained.spec,
      target: { mode: 'binary', classes: [2] },
      settings: { granularity: 'weight', head: 'sliced', alpha: 1, lrMask: 0.05, lrHead: 0.1, epochs: 30, batchSize: 8, seed: 11 },
    };
    const handle = await orch.startReengineer(spec, 'crash', { searchHeartbeatSeconds: 4 });

    const first = startGpuWorker();
    // Wait until the search has checkpointed a few epochs, then kill its worker outright.
    const beat = await waitFor(
      'search heartbeats at epoch >= 4',
      async () => {
        const d = await handle.describe();
        if (d.status.name !== 'RUNNING') throw new Error(`run ended (${d.status.name}) before the kill: make the search longer`);
        const raw = (d.raw.pendingActivities ?? []).find((a) => a.activityType?.name === 'searchMasks');
        const details = raw?.heartbeatDetails?.payloads?.[0]?.data;
        if (!details) return undefined;
        const hb = JSON.parse(Buffer.from(details).toString()) as SearchHeartbeat;
        return hb.epoch >= 4 && hb.checkpointKey ? hb : undefined;
      },
      120_000,
    );
    first.kill('SIGKILL');
    const killedAtEpoch = beat.epoch;

    startGpuWorker();
    const result = await handle.result();
    expect(result.status).toBe('completed');
    const search = result.stages.find((s) => s.stage === 'searchMasks')!.summary!;
    // Redone epochs: at most one checkpoint interval (one epoch) before the kill.
    expect(Number(search.resumedFromEpoch)).toBeGreaterThanOrEqual(killedAtEpoch - 1);
    expect(Number(search.epochs)).toBe(30);

    // The same search uninterrupted, in this process, gives the same selection and history.
    const report = JSON.parse((await orch.store.get(result.reportKey!)).toString()) as { artifacts: { masks: string }; model: { key: string } };
    const searchKey = report.artifacts.masks.replace(/masks\.bin$/, 'result.bin');
    const stored = await getPlain<StoredSearch>(orch.store, searchKey);
    const problemKey = String(result.stages.find((s) => s.stage === 'sampleDataset')!.summary!.problemKey);
    const graph = await loadGraphFromStore(orch.store, report.model.key);
    const problem = await getPlain<TargetProblem>(orch.store, problemKey);
    const params = prepareParams(graph);
    try {
      const baseline = Number(result.stages.find((s) => s.stage === 'evaluateOriginal')!.summary!.valAccuracy);
      const direct = await runSearch({ graph, params, problem, baseline }, spec.settings, { fingerprint: 'x' });
      expect(stored.selected).toEqual(direct.selected);
      expect(stored.history.map((h) => [h.valAccuracy, h.wrr])).toEqual(direct.history.map((h) => [h.valAccuracy, h.wrr]));
    } finally {
      disposeParams(params);
    }
  });
});
