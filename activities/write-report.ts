import { defectsSection, finetuneSection, originalSection, reengineeredSection } from '../engine/report-fields.js';
import { validateArtifactKey, type ArtifactStore } from '../infra/artifacts/index.js';
import type { DefectsOutcome, ExportOutcome, FinetuneOutcome, ModelRef, OriginalEvaluation, ReengineeredEvaluation, ReengineerSpec, RunReportRef, SampledProblem, SearchOutcome } from '../workflows/types.js';
import type { StoredSearch } from './search-masks.js';
import { getPlain, putJson } from './store-codec.js';

export interface WriteReportInput {
  runId: string;
  spec: ReengineerSpec;
  model: ModelRef;
  problem: SampledProblem;
  original: OriginalEvaluation;
  search: SearchOutcome;
  reengineered: ReengineeredEvaluation;
  exported: ExportOutcome;
  /** Present when the run evaluated defect inheritance. */
  defects?: DefectsOutcome;
  /** Present when the run fine-tuned the result (its model is the one exported). */
  finetune?: FinetuneOutcome;
  stageSeconds: Record<string, number>;
}

export function reportKeyOf(runId: string): string {
  return validateArtifactKey(`runs/${runId}/report.json`);
}

/** The run's report.json (the same fields as `seamflow reengineer --direct`), stored under runs/<id>/. */
export async function writeReport(store: ArtifactStore, input: WriteReportInput): Promise<RunReportRef> {
  const search = await getPlain<StoredSearch>(store, input.search.searchKey);
  const { original, reengineered, problem } = input;
  const report = {
    runId: input.runId,
    createdAt: new Date().toISOString(),
    tool: 'seamflow reengineer (Temporal workflow)',
    model: {
      name: input.model.name,
      key: input.model.modelKey,
      sha256: input.model.sha256,
      ...(input.spec.model.startsWith('models/') ? {} : { dir: input.spec.model }),
    },
    data: { spec: input.spec.data, dataset: problem.dataset, checksums: problem.checksums, counts: problem.counts },
    target: {
      mode: input.spec.target.mode,
      classes: input.spec.target.classes,
      classNames: input.spec.target.classes.map((c) => problem.classNames[c] ?? String(c)),
    },
    settings: input.spec.settings,
    original: originalSection(original),
    reengineered: reengineeredSection({ ...reengineered, valAccuracy: input.search.selected.valAccuracy }),
    search: {
      epochs: input.search.epochsRun,
      seconds: input.search.seconds,
      backend: input.search.backend,
      bestEpoch: input.search.selected.epoch,
      selectionRule: input.search.selected.rule,
      resumedFromEpoch: input.search.resumedFromEpoch,
      stoppedEarly: input.search.stoppedEarly,
      history: search.history,
    },
    artifacts: {
      masks: input.search.masksKey,
      masksIndex: input.search.masksKey.replace(/masks\.bin$/, 'masks.json'),
      maskedModel: input.exported.maskedModelKey,
      compactModel: input.exported.compactModelKey,
      ...(input.defects ? { defects: input.defects.defectsKey } : {}),
      ...(input.finetune ? { finetunedModel: input.finetune.finetunedModelKey } : {}),
    },
    export: {
      masked: input.exported.masked,
      compact: input.exported.compact,
      removedChannelGroups: input.exported.removedChannelGroups,
      droppedResidualBranches: input.exported.droppedResidualBranches ?? [],
      ratios: {
        params: input.exported.compact.params / original.cost.params,
        flops: input.exported.compact.flops / original.cost.flops,
      },
    },
    // Where `seamflow reengineer --out DIR` puts the artifacts (relative to DIR).
    files: {
      masks: 'masks/masks.json',
      masksBin: 'masks/masks.bin',
      maskedModel: 'masked/model.json',
      compactModel: 'compact/model.json',
    },
    ...(input.finetune ? { finetune: finetuneSection(input.finetune, reengineered.accuracy) } : {}),
    ...(input.defects && input.spec.defects ? { defects: defectsSection(input.defects, input.spec.defects) } : {}),
    stageSeconds: input.stageSeconds,
  };
  const reportKey = reportKeyOf(input.runId);
  await putJson(store, reportKey, report, { runId: input.runId, stage: 'writeReport' });
  return { reportKey };
}
