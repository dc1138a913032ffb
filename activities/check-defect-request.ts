import type { TargetMode } from '../engine/data/types.js';
import { backdoorTargetOf } from '../engine/defect/backdoor-target.js';
import { reuseSettingsFor, validateComparison } from '../engine/defect/compare.js';
import { featureNode } from '../engine/defect/head.js';
import { validateReuse } from '../engine/defect/reuse.js';
import type { ArtifactStore } from '../infra/artifacts/index.js';
import type { DefectSettings } from '../workflows/types.js';
import { loadModelFromStore } from './model-bundle.js';

export interface CheckDefectRequestInput {
  runId: string;
  modelKey: string;
  target: { mode: TargetMode; classes: number[] };
  defects: DefectSettings;
}

/**
 * The run's defect request, checked right after the model is registered
 * instead of when evaluateDefects starts (after the long mask search): the
 * same engine checks and messages, so bad input fails the run at once
 * (non-retryable through instrument()). Cheap: the registered bundle already
 * carries meta.json, and the cpu worker's model cache serves the next stage.
 */
export async function checkDefectRequest(store: ArtifactStore, input: CheckDefectRequestInput): Promise<{ attack: DefectSettings['attack']; triggerClass?: number }> {
  validateComparison(input.defects);
  validateReuse(reuseSettingsFor('seam', input.defects));
  const { graph, meta } = await loadModelFromStore(store, input.modelKey);
  featureNode(graph); // both reuses replace a Dense output layer
  if (input.defects.attack !== 'backdoor') return { attack: input.defects.attack };
  const { triggerClass } = backdoorTargetOf(meta, input.target, input.modelKey);
  return { attack: 'backdoor', triggerClass };
}
