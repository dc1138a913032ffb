import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { parseZoo, type ZooSpec } from '../infra/zoo/index.js';
import { workflowBundle } from '../workers/seam-worker.js';
import { WORKFLOW_QUEUE } from '../workflows/task-queues.js';
import { zooProgressQuery, zooWorkflow } from '../workflows/zoo-workflow.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { useTinyOrchestration } from './helpers/orchestration-harness.js';

// Zoo runs on a real Temporal dev server, real S3 (SeaweedFS) and the real TF.js backend.
useEngineBackend();

// Enough slots that the zoo's own bound, not the worker, limits how many children run.
const orch = useTinyOrchestration({ orchestration: { backend: 'test', cpuSlots: 4, gpuSlots: 3 } });

/** 1 tiny model x 3 targets, plus a model that does not exist (one target): its run fails, the zoo does not. */
function tinyZoo(over: Record<string, unknown> = {}): ZooSpec {
  return parseZoo(
    JSON.stringify({
      name: 'tiny',
      datasets: { syn: orch.trained.spec },
      models: [
        { name: 'tiny', path: orch.trained.dir },
        { name: 'ghost', path: '/nonexistent/model', targets: ['t0'] },
      ],
      targets: [
        { name: 't0', classes: [0] },
        { name: 't1', classes: [1] },
        { name: 'pair', mode: 'multiclass', classes: [2, 3] },
      ],
      settings: { granularity: 'weight', head: 'sliced', alpha: 1, lrMask: 0.05, lrHead: 0.1, epochs: 2, batchSize: 32, seed: 7 },
      concurrency: 2,
      ...over,
    }),
  );
}

interface Leaderboard {
  zoo: string;
  maxRunning: number;
  generations: number;
  summary: { total: number; completed: number; failed: number };
  rows: { model: string; target: string; status: string; originalAccuracy?: number; accuracy?: number; wrr?: number; compactParams?: number; compactFlops?: number; paramsRatio?: number; error?: string }[];
}

/** Most child runs open at any moment, from the server's start/close times (independent of the workflow's own count). */
async function serverMaxOverlap(ids: string[]): Promise<number> {
  const spans = await Promise.all(
    ids.map(async (id) => {
      const d = await orch.client.workflow.getHandle(id).describe();
      return [d.startTime.getTime(), d.closeTime!.getTime()] as const;
    }),
  );
  return Math.max(...spans.map(([s]) => spans.filter(([a, b]) => a <= s && s < b).length));
}

describe('zooWorkflow', () => {
  const histories: { id: string; runId?: string }[] = [];

  it('runs model x target children within the concurrency bound and stores the leaderboard', async () => {
    const zooId = 'zoo-tiny-bound';
    const handle = await orch.client.workflow.start(zooWorkflow, { taskQueue: WORKFLOW_QUEUE, workflowId: zooId, args: [tinyZoo()] });
    const result = await handle.result();
    histories.push({ id: zooId });

    expect(result).toMatchObject({ total: 4, completed: 3, failed: 1, generations: 1 });
    expect(result.maxRunning).toBe(2);
    expect(result.results.map((r) => `${r.model}/${r.target}/${r.status}`)).toEqual(['tiny/t0/completed', 'tiny/t1/completed', 'tiny/pair/completed', 'ghost/t0/failed']);
    expect(result.results.map((r) => r.workflowId)).toEqual(['zoo-tiny-bound--tiny--t0', 'zoo-tiny-bound--tiny--t1', 'zoo-tiny-bound--tiny--pair', 'zoo-tiny-bound--ghost--t0']);
    expect(await serverMaxOverlap(result.results.map((r) => r.workflowId))).toBeLessThanOrEqual(2);

    expect(result.leaderboardKey).toBe('zoos/zoo-tiny-bound/leaderboard.json');
    const board = JSON.parse((await orch.store.get(result.leaderboardKey)).toString()) as Leaderboard;
    expect(board).toMatchObject({ zoo: 'tiny', maxRunning: 2, generations: 1, summary: { total: 4, completed: 3, failed: 1 } });
    for (const row of board.rows.filter((r) => r.status === 'completed')) {
      expect(row.originalAccuracy).toBeGreaterThan(0);
      expect(row.originalAccuracy).toBeLessThanOrEqual(1);
      expect(row.accuracy).toBeGreaterThan(0.5);
      expect(row.wrr).toBeGreaterThan(0);
      expect(row.wrr).toBeLessThanOrEqual(1);
      expect(row.compactParams).toBeGreaterThan(0);
      expect(row.compactFlops).toBeGreaterThan(0);
      expect(row.paramsRatio).toBeGreaterThan(0);
      expect(row.paramsRatio).toBeLessThanOrEqual(1);
    }
    expect(board.rows[3]).toMatchObject({ model: 'ghost', status: 'failed' });
    expect(board.rows[3]!.error).toMatch(/\/nonexistent\/model does not exist/);
    // Each completed row's report is in the store too.
    for (const r of result.results.filter((x) => x.status === 'completed')) expect(await orch.store.stat(r.reportKey!)).toBeDefined();
    const md = (await orch.store.get(result.markdownKey)).toString();
    expect(md).toContain('| model | target |');
    expect(md).toMatch(/\| ghost \| t0 \| binary 0 \| failed: .*does not exist/);
    expect(md.split('\n').filter((l) => l.startsWith('| tiny |'))).toHaveLength(3);
    expect((await handle.query(zooProgressQuery)).status).toBe('completed');
  });

  it('continues as new after K children, carrying the finished rows forward', async () => {
    const zooId = 'zoo-tiny-can';
    // K = 1: every child in its own workflow run (the searches are cached from the first test, so this is quick).
    const handle = await orch.client.workflow.start(zooWorkflow, { taskQueue: WORKFLOW_QUEUE, workflowId: zooId, args: [tinyZoo({ continueAsNewAfter: 1 })] });
    const firstRunId = handle.firstExecutionRunId;
    // result() follows the continue-as-new chain to its last run.
    const result = await handle.result();
    histories.push({ id: zooId, runId: firstRunId });

    expect(result).toMatchObject({ total: 4, completed: 3, failed: 1, generations: 4, maxRunning: 1 });
    expect(result.results.map((r) => `${r.model}/${r.target}/${r.status}`)).toEqual(['tiny/t0/completed', 'tiny/t1/completed', 'tiny/pair/completed', 'ghost/t0/failed']);
    const first = await orch.client.workflow.getHandle(zooId, firstRunId).describe();
    expect(first.status.name).toBe('CONTINUED_AS_NEW');
    const board = JSON.parse((await orch.store.get(result.leaderboardKey)).toString()) as Leaderboard;
    expect(board.generations).toBe(4);
    expect(board.rows).toHaveLength(4);
  });

  it('cancelling a zoo cancels its running children and ends the zoo cancelled', async () => {
    const zooId = 'zoo-tiny-cancel';
    const zoo = tinyZoo({ settings: { head: 'sliced', epochs: 200, batchSize: 32, seed: 99 }, concurrency: 1 });
    const handle = await orch.client.workflow.start(zooWorkflow, { taskQueue: WORKFLOW_QUEUE, workflowId: zooId, args: [zoo] });
    const childId = 'zoo-tiny-cancel--tiny--t0';
    const t0 = Date.now();
    for (;;) {
      const p = await handle.query(zooProgressQuery).catch(() => undefined);
      const child = p?.running ? await orch.client.workflow.getHandle(childId).query<{ stages: { stage: string; status: string }[] }>('progress').catch(() => undefined) : undefined;
      if (child?.stages.find((s) => s.stage === 'searchMasks')?.status === 'running') break;
      if (Date.now() - t0 > 30_000) throw new Error('the first child never reached its search');
      await new Promise((r) => setTimeout(r, 200));
    }
    const cancelledAt = Date.now();
    await handle.cancel();
    const err = await handle.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect(Date.now() - cancelledAt).toBeLessThan(15_000);
    expect((await orch.client.workflow.getHandle(childId).describe()).status.name).toBe('CANCELLED');
    // Nothing after it was started, and no leaderboard for a cancelled zoo.
    await expect(orch.client.workflow.getHandle('zoo-tiny-cancel--tiny--t1').describe()).rejects.toThrow();
    expect(await orch.store.stat('zoos/zoo-tiny-cancel/leaderboard.json')).toBeUndefined();
  });

  it('replays its histories with the current workflow code', async () => {
    const bundle = await workflowBundle();
    for (const h of histories) {
      const history = await orch.client.workflow.getHandle(h.id, h.runId).fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: bundle }, history, h.id);
    }
    // The last run of the continue-as-new chain too.
    for (const id of ['zoo-tiny-can', 'zoo-tiny-cancel']) {
      const last = await orch.client.workflow.getHandle(id).fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: bundle }, last, id);
    }
  });
});
