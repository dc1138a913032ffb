import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { TargetProblem } from '../engine/data/types.js';
import { validateComparison, type DefectComparison } from '../engine/defect/compare.js';
import type { DefectHooks, DefectReport } from '../engine/defect/evaluate.js';
import { measureDefectPair } from '../engine/defect/pair.js';
import type { ReuseMethod } from '../engine/defect/reuse.js';
import { contentKey, type ArtifactStore } from '../infra/artifacts/index.js';
import type { DefectSettings, DefectsHeartbeat, DefectsOutcome } from '../workflows/types.js';
import { ENGINE_CODE_VERSION } from './code-version.js';
import { loadModelFromStore } from './model-bundle.js';
import { readProblemMeta } from './sample-dataset.js';
import { getJson, getPlain, putJson } from './store-codec.js';

export interface EvaluateDefectsInput {
  runId: string;
  modelKey: string;
  problemKey: string;
  defects: DefectSettings;
}

/** What the store keeps: the numbers, the settings and both full reports. */
interface StoredDefects {
  comparison: DefectComparison;
  settings: DefectSettings;
  standard: DefectReport;
  seam: DefectReport;
}

/** Keys derive from the inputs: a rerun finds the result, a retry the student already measured. */
export function defectsKeys(input: EvaluateDefectsInput): { result: string } & Record<ReuseMethod, string> {
  const result = contentKey('defects', { model: input.modelKey, problem: input.problemKey, defects: input.defects, code: ENGINE_CODE_VERSION }, 'defects.json');
  const dir = result.slice(0, -'defects.json'.length);
  return { result, standard: `${dir}standard.json`, seam: `${dir}seam.json` };
}

/**
 * Defect inheritance of the run's model on the run's problem: standard and
 * seam reuse, each student attacked (engine/defect). Long compute on the GPU
 * queue: every training step and attack batch heartbeats (the engine yields
 * to the event loop there), and a cancellation stops it at the next one. A
 * student measured before a retry is read back, not trained again.
 */
export async function evaluateDefects(store: ArtifactStore, input: EvaluateDefectsInput): Promise<DefectsOutcome> {
  const d = input.defects;
  validateComparison(d);
  const keys = defectsKeys(input);
  if (await store.stat(keys.result)) {
    const done = await getJson<StoredDefects>(store, keys.result);
    return { ...done.comparison, defectsKey: keys.result, cached: true };
  }
  const ctx = Context.current();
  let last: DefectsHeartbeat = { method: 'standard', phase: 'load', done: 0, total: 0, seconds: 0 };
  let phaseStarted = performance.now();
  const beat = (hb: Omit<DefectsHeartbeat, 'seconds'>) => {
    if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason ?? new CancelledFailure('evaluateDefects cancelled');
    if (hb.method !== last.method || hb.phase !== last.phase) phaseStarted = performance.now();
    last = { ...hb, seconds: (performance.now() - phaseStarted) / 1000 };
    ctx.heartbeat(last);
  };
  // Phases without a progress hook (a PGD batch, scoring a large test split) still yield every
  // step: a timer repeats the last heartbeat there, so a short heartbeat timeout stays safe.
  const timer = setInterval(() => ctx.heartbeat(last), 5_000);
  try {
    return await measureBoth(store, input, keys, beat);
  } finally {
    clearInterval(timer);
  }
}

type Beat = (hb: Omit<DefectsHeartbeat, 'seconds'>) => void;

async function measureBoth(
  store: ArtifactStore,
  input: EvaluateDefectsInput,
  keys: ReturnType<typeof defectsKeys>,
  beat: Beat,
): Promise<DefectsOutcome> {
  const d = input.defects;
  const lineage = { runId: input.runId, stage: 'evaluateDefects', inputs: { model: input.modelKey, problem: input.problemKey } };
  const { graph, meta } = await loadModelFromStore(store, input.modelKey);
  const problem = await getPlain<TargetProblem>(store, input.problemKey);
  const { classNames } = await readProblemMeta(store, input.problemKey);
  const { reports, comparison } = await measureDefectPair(
    { teacher: graph, meta, problem, classNames, source: { teacher: input.modelKey, data: input.problemKey, limit: null }, settings: d },
    {
      stored: async (method) => ((await store.stat(keys[method])) ? getJson<DefectReport>(store, keys[method]) : undefined),
      onReport: (method, report) => putJson(store, keys[method], report, lineage),
      hooksFor: (method): DefectHooks => {
        beat({ method, phase: 'load', done: 0, total: 0 });
        return {
          onPhase: (phase) => beat({ method, phase, done: 0, total: 0 }),
          onStage: (stage) => beat({ method, phase: stage, done: 0, total: 0 }),
          onStep: (stage, done, total, note) => beat({ method, phase: stage, done, total, note }),
          onAttackProgress: (done, total) => beat({ method, phase: 'attack', done, total }),
        };
      },
    },
  );
  const { standard, seam } = reports;
  const stored: StoredDefects = { comparison, settings: d, standard, seam };
  await putJson(store, keys.result, stored, lineage);
  return { ...comparison, defectsKey: keys.result, cached: false };
}
