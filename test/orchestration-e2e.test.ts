import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../workers/seam-worker.js';
import { progressQuery } from '../workflows/reengineer-workflow.js';
import type { ReengineerSpec } from '../workflows/types.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { useTinyOrchestration } from './helpers/orchestration-harness.js';

// The whole pipeline on a real Temporal dev server, a real S3 (SeaweedFS), the real TF.js backend.
useEngineBackend();

const orch = useTinyOrchestration();

const settings: ReengineerSpec['settings'] = { granularity: 'weight', head: 'sliced', alpha: 1, lrMask: 0.05, lrHead: 0.1, epochs: 3, batchSize: 32, seed: 7 };

function spec(over: Partial<ReengineerSpec> = {}): ReengineerSpec {
  return { model: orch.trained.dir, data: orch.trained.spec, target: { mode: 'binary', classes: [1] }, settings, ...over };
}

async function runToEnd(s: ReengineerSpec) {
  const handle = await orch.startReengineer(s, 'run');
  return { workflowId: handle.workflowId, handle, result: await handle.result() };
}

describe('reengineerWorkflow end to end', () => {
  it('runs every stage and leaves the report in S3; a rerun reuses every stage', async () => {
    const first = await runToEnd(spec());
    expect(first.result.status).toBe('completed');
    expect(first.result.stages.every((s) => s.status === 'done')).toBe(true);
    const report = JSON.parse((await orch.store.get(first.result.reportKey!)).toString()) as {
      original: { accuracy: number };
      reengineered: { accuracy: number; wrr: number };
      search: { epochs: number };
      target: { classes: number[] };
    };
    expect(report.target.classes).toEqual([1]);
    expect(report.search.epochs).toBe(3);
    expect(report.reengineered.wrr).toBeGreaterThan(0);
    expect(report.reengineered.wrr).toBeLessThanOrEqual(1);
    expect(report.reengineered.accuracy).toBeGreaterThan(0.5);
    expect(await orch.store.stat(`${first.result.stages.find((s) => s.stage === 'exportModel')!.summary!.maskedModel}`)).toBeDefined();

    // The query answers after completion too.
    expect((await first.handle.query(progressQuery)).status).toBe('completed');

    const second = await runToEnd(spec());
    const search = second.result.stages.find((s) => s.stage === 'searchMasks')!;
    expect(search.cached).toBe(true);
    const secondReport = JSON.parse((await orch.store.get(second.result.reportKey!)).toString()) as typeof report;
    expect(secondReport.reengineered).toEqual(report.reengineered);

    // The recorded history replays with the current workflow code.
    const history = await orch.client.workflow.getHandle(first.workflowId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, first.workflowId);
  });

  it.each([
    ['a missing model', { model: '/nonexistent/model' }, /model folder \/nonexistent\/model does not exist/],
    ['a class id out of range', { target: { mode: 'binary' as const, classes: [9] } }, /9/],
    ['a malformed data spec', { data: 'synthetic:classes=banana' }, /classes/],
    ['bad settings', { settings: { ...settings, epochs: 0 } }, /epochs must be an integer >= 1/],
  ])('fails fast and without retries on %s', async (_what, over, message) => {
    const t0 = Date.now();
    const err = await runToEnd(spec(over)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WorkflowFailedError);
    let cause: unknown = (err as WorkflowFailedError).cause;
    while (cause && !(cause instanceof ApplicationFailure)) cause = (cause as Error).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect((cause as ApplicationFailure).nonRetryable).toBe(true);
    expect((cause as ApplicationFailure).message).toMatch(message);
    // A retried activity would wait out at least one backoff of 1 s per attempt.
    expect(Date.now() - t0).toBeLessThan(15_000);
  });
});
