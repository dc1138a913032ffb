import type { ArtifactStore } from '../infra/artifacts/index.js';
import { checkDefectRequest, type CheckDefectRequestInput } from './check-defect-request.js';
import { checkFinetuneRequest, type CheckFinetuneRequestInput } from './check-finetune-request.js';
import { evaluateOriginal, evaluateReengineered } from './evaluate.js';
import { evaluateDefects, type EvaluateDefectsInput } from './evaluate-defects.js';
import { exportModel, type ExportModelInput } from './export-model.js';
import { finetuneModel, type FinetuneModelInput } from './finetune-model.js';
import { instrument } from './instrument.js';
import { writeLeaderboard, type WriteLeaderboardInput } from './leaderboard.js';
import { registerModelFolder } from './model-bundle.js';
import { sampleDataset, type SampleDatasetInput } from './sample-dataset.js';
import { searchMasks, type SearchMasksInput } from './search-masks.js';
import { writeReport, type WriteReportInput } from './write-report.js';

export interface ActivityDeps {
  store: ArtifactStore;
  /** Name of the TF.js backend this worker chose (for reports). */
  backend: string;
}

/**
 * The activities of the re-engineering pipeline, bound to one worker's
 * artifact store. Workflows see only their types (`typeof` this object).
 */
export function createActivities(deps: ActivityDeps) {
  const { store } = deps;
  return {
    registerModel: instrument('registerModel', (input: { runId: string; model: string }) => registerModelFolder(store, input.model)),
    sampleDataset: instrument('sampleDataset', (input: SampleDatasetInput) => sampleDataset(store, input)),
    checkDefectRequest: instrument('checkDefectRequest', (input: CheckDefectRequestInput) => checkDefectRequest(store, input), (i) => i.modelKey),
    checkFinetuneRequest: instrument('checkFinetuneRequest', (input: CheckFinetuneRequestInput) => checkFinetuneRequest(input)),
    evaluateOriginal: instrument(
      'evaluateOriginal',
      (input: { runId: string; modelKey: string; problemKey: string }) => evaluateOriginal(store, input),
      (i) => i.modelKey,
    ),
    searchMasks: instrument('searchMasks', (input: SearchMasksInput) => searchMasks(store, deps.backend, input), (i) => i.modelKey),
    evaluateReengineered: instrument(
      'evaluateReengineered',
      (input: { runId: string; modelKey: string; problemKey: string; searchKey: string }) => evaluateReengineered(store, input),
      (i) => i.modelKey,
    ),
    finetuneModel: instrument('finetuneModel', (input: FinetuneModelInput) => finetuneModel(store, input), (i) => i.modelKey),
    evaluateDefects: instrument('evaluateDefects', (input: EvaluateDefectsInput) => evaluateDefects(store, input), (i) => i.modelKey),
    exportModel: instrument('exportModel', (input: ExportModelInput) => exportModel(store, input), (i) => i.modelKey),
    writeReport: instrument('writeReport', (input: WriteReportInput) => writeReport(store, input), (i) => i.model.modelKey),
    writeLeaderboard: instrument('writeLeaderboard', (input: WriteLeaderboardInput) => writeLeaderboard(store, input)),
  };
}

export type SeamActivities = ReturnType<typeof createActivities>;
