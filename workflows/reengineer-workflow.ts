// Deterministic workflow code: runs in Temporal's sandbox, so it imports types only (and plain constants).
import {
  ActivityCancellationType,
  defineQuery,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { SeamActivities } from '../activities/index.js';
import { TASK_QUEUES } from './task-queues.js';
import type { DefectsOutcome, FinetuneOutcome, ReengineerSpec, RunProgress, StageName, StageState } from './types.js';

export const progressQuery = defineQuery<RunProgress>('progress');

export interface ReengineerTimeouts {
  /** A search attempt that sends no heartbeat for this long is presumed dead and retried elsewhere. */
  searchHeartbeatSeconds?: number;
  searchHours?: number;
  stageMinutes?: number;
}

const STAGES: StageName[] = ['registerModel', 'sampleDataset', 'evaluateOriginal', 'searchMasks', 'evaluateReengineered', 'exportModel', 'writeReport'];

/** The stages of one run: finetuneModel and evaluateDefects (in that order, after evaluateReengineered) only when the spec asks for them. */
export function stagesOf(spec: Pick<ReengineerSpec, 'defects' | 'finetune'>): StageName[] {
  const optional: StageName[] = [];
  if (spec.finetune) optional.push('finetuneModel');
  if (spec.defects) optional.push('evaluateDefects');
  const at = STAGES.indexOf('evaluateReengineered') + 1;
  return [...STAGES.slice(0, at), ...optional, ...STAGES.slice(at)];
}

/** patched() marker of the up-front defect check: histories recorded before it replay without it. */
export const DEFECT_CHECK_PATCH = 'check-defect-request';

const retry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 8 };

/**
 * One model, one target problem: register the model and sample the data,
 * score the original, search masks (long, heartbeating, resumable), score the
 * result, optionally fine-tune it and measure defect inheritance, export,
 * write the report. Every stage returns keys and numbers; a rerun of the same
 * spec finds each stage's output in the store and skips it.
 */
export async function reengineerWorkflow(spec: ReengineerSpec, timeouts: ReengineerTimeouts = {}): Promise<RunProgress> {
  const runId = workflowInfo().workflowId;
  const stageMinutes = timeouts.stageMinutes ?? 60;
  const cpu = proxyActivities<SeamActivities>({
    taskQueue: TASK_QUEUES.cpu,
    startToCloseTimeout: `${stageMinutes} minutes`,
    retry,
  });
  const gpu = proxyActivities<SeamActivities>({
    taskQueue: TASK_QUEUES.gpu,
    startToCloseTimeout: `${timeouts.searchHours ?? 48} hours`,
    heartbeatTimeout: `${timeouts.searchHeartbeatSeconds ?? 300} seconds`,
    // Let the search save its checkpoint before the run reports itself cancelled.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry,
  });

  const progress: RunProgress = {
    runId,
    status: 'running',
    stages: stagesOf(spec).map((stage): StageState => ({ stage, status: 'pending' })),
  };
  setHandler(progressQuery, () => progress);
  const stageSeconds: Record<string, number> = {};

  /** An up-front check failed: shown on the stage it is about (failed, without having started). */
  function failedBefore(name: StageName): (err: unknown) => never {
    return (err) => {
      const s = progress.stages.find((x) => x.stage === name)!;
      s.status = 'failed';
      s.finishedAt = new Date().toISOString();
      throw err;
    };
  }

  async function stage<T>(name: StageName, run: () => Promise<T>, summarize: (t: T) => StageState['summary'] & { cached?: boolean }): Promise<T> {
    const s = progress.stages.find((x) => x.stage === name)!;
    s.status = 'running';
    s.startedAt = new Date().toISOString();
    const t0 = Date.now();
    try {
      const out = await run();
      const summary = summarize(out);
      s.status = 'done';
      s.cached = summary?.cached;
      s.summary = summary;
      return out;
    } catch (err) {
      s.status = 'failed';
      throw err;
    } finally {
      s.finishedAt = new Date().toISOString();
      stageSeconds[name] = (Date.now() - t0) / 1000;
    }
  }

  try {
    const [model, problem] = await Promise.all([
      stage('registerModel', () => cpu.registerModel({ runId, model: spec.model }), (m) => ({ modelKey: m.modelKey })),
      stage(
        'sampleDataset',
        () =>
          cpu.sampleDataset({ runId, data: spec.data, target: spec.target, seed: spec.settings.seed, limit: spec.limit, valFraction: spec.valFraction }),
        (p) => ({ problemKey: p.problemKey, train: p.counts.train, val: p.counts.val, test: p.counts.test }),
      ),
    ]);
    // A defect request the model cannot serve (no backdoor trigger, its class outside the target)
    // fails here, in seconds, not after the long search. Only runs with spec.defects reach it.
    if (spec.defects && patched(DEFECT_CHECK_PATCH)) {
      const defects = spec.defects;
      await cpu.checkDefectRequest({ runId, modelKey: model.modelKey, target: spec.target, defects }).catch(failedBefore('evaluateDefects'));
    }
    // Likewise a fine-tuning request that cannot run (epochs < 1, lr <= 0, the sliced binary head).
    // Only runs with spec.finetune schedule the check: older histories replay without a patch.
    const finetuneRequest = spec.finetune;
    if (finetuneRequest) {
      await cpu.checkFinetuneRequest({ runId, finetune: finetuneRequest, settings: spec.settings, target: spec.target }).catch(failedBefore('finetuneModel'));
    }
    const original = await stage(
      'evaluateOriginal',
      () => cpu.evaluateOriginal({ runId, modelKey: model.modelKey, problemKey: problem.problemKey }),
      (o) => ({ valAccuracy: o.val.accuracy, accuracy: o.test.accuracy }),
    );
    const search = await stage(
      'searchMasks',
      () =>
        gpu.searchMasks({
          runId,
          modelKey: model.modelKey,
          problemKey: problem.problemKey,
          settings: spec.settings,
          baseline: original.val.accuracy,
          checkpointEverySteps: spec.checkpointEverySteps,
        }),
      (s) => ({ wrr: s.selected.wrr, valAccuracy: s.selected.valAccuracy, epochs: s.epochsRun, resumedFromEpoch: s.resumedFromEpoch, cached: s.cached }),
    );
    const reengineered = await stage(
      'evaluateReengineered',
      () => cpu.evaluateReengineered({ runId, modelKey: model.modelKey, problemKey: problem.problemKey, searchKey: search.searchKey }),
      (r) => ({ accuracy: r.accuracy, wrr: r.wrr }),
    );
    // Optional stages: only runs that ask for them schedule their activities, so other histories replay unchanged.
    let finetune: FinetuneOutcome | undefined;
    if (finetuneRequest) {
      finetune = await stage(
        'finetuneModel',
        () =>
          gpu.finetuneModel({
            runId,
            modelKey: model.modelKey,
            problemKey: problem.problemKey,
            searchKey: search.searchKey,
            finetune: finetuneRequest,
            settings: spec.settings,
            ...(finetuneRequest.freshNegatives ? { data: { spec: spec.data, ...(spec.limit === undefined ? {} : { limit: spec.limit }) } } : {}),
          }),
        (f) => ({ accuracy: f.accuracy, valAccuracy: f.valAccuracy, startValAccuracy: f.startValAccuracy, selectedEpoch: f.selectedEpoch, epochs: f.epochs, cached: f.cached }),
      );
    }
    let defects: DefectsOutcome | undefined;
    if (spec.defects) {
      const settings = spec.defects;
      defects = await stage(
        'evaluateDefects',
        () => gpu.evaluateDefects({ runId, modelKey: model.modelKey, problemKey: problem.problemKey, defects: settings }),
        (d) => ({
          attack: d.attack,
          standard: d.standard.value,
          seam: d.seam.value,
          ...(d.reduction === null ? {} : { reduction: d.reduction }),
          cached: d.cached,
        }),
      );
    }
    const exported = await stage(
      'exportModel',
      () => cpu.exportModel({ runId, modelKey: model.modelKey, searchKey: search.searchKey, ...(finetune ? { finetunedModelKey: finetune.finetunedModelKey } : {}) }),
      (e) => ({ maskedModel: e.maskedModelKey, compactModel: e.compactModelKey, compactParams: e.compact.params, compactFlops: e.compact.flops }),
    );
    const report = await stage(
      'writeReport',
      () => cpu.writeReport({ runId, spec, model, problem, original, search, reengineered, exported, stageSeconds, ...(defects ? { defects } : {}), ...(finetune ? { finetune } : {}) }),
      (r) => ({ reportKey: r.reportKey }),
    );
    progress.reportKey = report.reportKey;
    progress.status = 'completed';
    return progress;
  } catch (err) {
    progress.status = isCancellation(err) ? 'cancelled' : 'failed';
    progress.error = rootMessage(err);
    throw err;
  }
}

/** Temporal wraps an activity's error ("Activity task failed"); the engine's own message is the innermost cause. */
function rootMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}
