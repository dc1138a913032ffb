import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { queryProgress } from '../cli/watch-run.js';
import { workflowBundle } from '../workers/seam-worker.js';
import type { DefectSettings, ReengineerSpec, RunProgress } from '../workflows/types.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { stageOf, useTinyOrchestration } from './helpers/orchestration-harness.js';
import { expectFailedBeforeSearch } from './helpers/failed-before-search.js';

// The optional evaluateDefects stage on real servers (Temporal dev server, SeaweedFS), tiny model and data.
useEngineBackend();

const orch = useTinyOrchestration();

const settings: ReengineerSpec['settings'] = { granularity: 'weight', head: 'sliced', alpha: 1, lrMask: 0.05, lrHead: 0.1, epochs: 2, batchSize: 32, seed: 7 };
const pgd: DefectSettings = { attack: 'pgd', epochs: 2, pruneThreshold: 0.5, searchEpochs: 2, limit: 32, pgdSteps: 20, seed: 3 };

function spec(defects: DefectSettings): ReengineerSpec {
  return { model: orch.trained.dir, data: orch.trained.spec, target: { mode: 'binary', classes: [1] }, settings, defects };
}

interface DefectsSection {
  attack: string;
  measure: string;
  standard: { accuracy: number; value: number };
  seam: { accuracy: number; value: number; wrr: number };
  reduction: number | null;
}

const start = (s: ReengineerSpec) => orch.startReengineer(s, 'defects', { searchHeartbeatSeconds: 30 });

const reportOf = (p: RunProgress) => orch.report<{ defects: DefectsSection; artifacts: { defects: string } }>(p);

describe('reengineerWorkflow with defect evaluation', () => {
  it('runs evaluateDefects after evaluateReengineered, reports both reuses, and a rerun takes the result from the store', async () => {
    const handle = await start(spec(pgd));
    // The stage is listed (pending) from the start, so progress shows it before it runs.
    let early: RunProgress | undefined;
    for (const until = Date.now() + 30_000; !early && Date.now() < until; await new Promise((r) => setTimeout(r, 100))) early = await queryProgress(handle);
    const names = early!.stages.map((s) => s.stage);
    expect(names.indexOf('evaluateDefects')).toBe(names.indexOf('evaluateReengineered') + 1);

    const first = await handle.result();
    expect(first.status).toBe('completed');
    expect(first.stages.every((s) => s.status === 'done')).toBe(true);
    expect(stageOf(first, 'evaluateDefects')).toMatchObject({ cached: false, summary: { attack: 'pgd', standard: expect.any(Number), seam: expect.any(Number) } });

    const report = await reportOf(first);
    const d = report.defects;
    expect(d).toMatchObject({ attack: 'pgd', measure: 'DIR' });
    for (const x of [d.standard.value, d.seam.value, d.standard.accuracy * 100, d.seam.accuracy * 100]) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(100);
    }
    expect(d.seam.wrr).toBeLessThanOrEqual(0.5 + 1e-9); // the prune threshold was reached (by the search or topped up)
    if (d.reduction !== null) expect(d.reduction).toBeCloseTo(((d.standard.value - d.seam.value) / d.standard.value) * 100, 6);
    // Both full DefectReports are in the store.
    const stored = JSON.parse((await orch.store.get(report.artifacts.defects)).toString()) as { standard: { method: string }; seam: { method: string; student: { testImages: number } } };
    expect(stored.standard.method).toBe('standard');
    expect(stored.seam.method).toBe('seam');
    expect(stored.seam.student.testImages).toBe(32);

    const second = await (await start(spec(pgd))).result();
    expect(stageOf(second, 'evaluateDefects').cached).toBe(true);
    expect((await reportOf(second)).defects).toEqual(d);

    // The request was checked up front: right after the model and data, before the original is scored.
    const order = ((await handle.fetchHistory()).events ?? []).map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
    expect(order.indexOf('checkDefectRequest')).toBe(order.indexOf('evaluateOriginal') - 1);

    // The recorded history replays with the current workflow code.
    const history = await orch.client.workflow.getHandle(handle.workflowId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, handle.workflowId);
  });

  it('fails right after registering the model, before the search, without retries, when asked for a backdoor the model does not have', async () => {
    const handle = await start(spec({ ...pgd, attack: 'backdoor' }));
    // The engine's own message (the same check evaluateDefects would make).
    await expectFailedBeforeSearch(handle, {
      stage: 'evaluateDefects',
      check: 'checkDefectRequest',
      message: /backdoor attack: the teacher models\/\S+ has no backdoor trigger in its meta\.json/,
    });
  });
});
