import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { searchHeartbeat } from '../cli/watch-run.js';
import { progressQuery } from '../workflows/reengineer-workflow.js';
import type { ReengineerSpec, RunProgress } from '../workflows/types.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { runCli } from './helpers/cli.js';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.js';
import { useTinyOrchestration } from './helpers/orchestration-harness.js';

// Faults during a run, on real servers: cancellation, and S3 unreachable for ~20 s.
useEngineBackend();

let proxy: TcpProxy;

const orch = useTinyOrchestration({
  // Workers reach S3 only through a proxy the test can cut.
  orchestration: {
    s3Endpoint: async (stack) => {
      proxy = await startTcpProxy('127.0.0.1', Number(new URL(stack.s3!.endpoint).port));
      return `http://127.0.0.1:${proxy.port}`;
    },
  },
  train: { size: 16, train: 2048 },
  afterClose: () => proxy?.close(),
});

const settings: ReengineerSpec['settings'] = { granularity: 'weight', head: 'sliced', alpha: 1, lrMask: 0.05, lrHead: 0.1, epochs: 40, batchSize: 8, seed: 1 };

async function startRun(seed: number) {
  const spec: ReengineerSpec = { model: orch.trained.dir, data: orch.trained.spec, target: { mode: 'binary', classes: [1] }, settings: { ...settings, seed } };
  const handle = await orch.startReengineer(spec, 'fault', { searchHeartbeatSeconds: 10 });
  return { handle };
}

async function untilSearching(handle: Awaited<ReturnType<typeof startRun>>['handle'], minEpoch: number): Promise<void> {
  for (const until = Date.now() + 120_000; Date.now() < until; await new Promise((r) => setTimeout(r, 250))) {
    const hb = await searchHeartbeat(handle);
    if (hb && hb.epoch >= minEpoch) return;
  }
  throw new Error('search did not start');
}

describe('faults during a run', () => {
  let cancelledRun: { id: string; epoch: number } | undefined;

  it('cancellation stops a running search within seconds, after it saved a checkpoint', async () => {
    const { handle } = await startRun(21);
    await untilSearching(handle, 1);
    cancelledRun = { id: handle.workflowId, epoch: (await searchHeartbeat(handle))!.epoch };
    const t0 = Date.now();
    await handle.cancel();
    const err = await handle.result().then(() => undefined, (e: unknown) => e);
    const seconds = (Date.now() - t0) / 1000;
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(seconds).toBeLessThan(10);
    const progress = await handle.query(progressQuery);
    expect(progress.status).toBe('cancelled');
    expect(progress.stages.find((s) => s.stage === 'searchMasks')!.status).toBe('failed');
    // The search's checkpoint is in the store for a later resume.
    const checkpoints = await orch.store.list('searches/');
    expect(checkpoints.some((k) => k.endsWith('/checkpoint.bin'))).toBe(true);
  });

  it('`seamflow resume` of the cancelled run continues its search from the checkpoint and completes', async () => {
    expect(cancelledRun).toBeDefined();
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TEMPORAL_ADDRESS: orch.stack.temporalAddress,
      TEMPORAL_NAMESPACE: orch.stack.namespace,
      SEAMFLOW_LOG_LEVEL: 'warn',
    };
    const res = await runCli(['resume', cancelledRun!.id, '--detach'], env);
    expect(res.code, res.stderr).toBe(0);
    const newId = `${cancelledRun!.id}-resumed-1`;
    expect(res.stdout).toContain(`resuming ${cancelledRun!.id} as ${newId}`);
    const result: RunProgress = await orch.client.workflow.getHandle(newId).result();
    expect(result.status).toBe('completed');
    const search = result.stages.find((s) => s.stage === 'searchMasks')!.summary!;
    // The resumed search started where the cancelled one had checkpointed, not from epoch 0.
    expect(Number(search.resumedFromEpoch)).toBeGreaterThanOrEqual(cancelledRun!.epoch);
    expect(Number(search.epochs)).toBe(settings.epochs);
  });

  it('rides out S3 being unreachable for 20 s mid-search, and leaves only whole artifacts', async () => {
    const { handle } = await startRun(22);
    await untilSearching(handle, 1);
    await proxy.down();
    await new Promise((r) => setTimeout(r, 20_000));
    await proxy.up();
    const result = await handle.result();
    expect(result.status).toBe('completed');
    // Every committed artifact reads back with a matching SHA-256 (get() verifies it).
    const keys = await orch.store.list('');
    expect(keys.length).toBeGreaterThan(5);
    for (const key of keys) await orch.store.get(key);
  });
});
