import type { TargetMode } from '../engine/data/types.js';
import { checkFinetunableHead, checkFreshNegatives, finetuneSettingsFor, validateFinetune, type FinetuneRequest, type FinetuneSettings } from '../engine/finetune/settings.js';
import type { SearchSettings } from '../engine/search/search.js';

export interface CheckFinetuneRequestInput {
  runId: string;
  finetune: FinetuneRequest;
  settings: SearchSettings;
  target: { mode: TargetMode; classes: number[] };
}

/**
 * The run's fine-tuning request, checked before the long search instead of
 * when finetuneModel starts after it: the engine's own checks and messages
 * (RangeError: non-retryable through instrument()). Needs nothing from the
 * store; returns the settings the stage will use.
 */
export async function checkFinetuneRequest(input: CheckFinetuneRequestInput): Promise<FinetuneSettings> {
  const settings = finetuneSettingsFor(input.finetune, input.settings);
  validateFinetune(settings);
  checkFinetunableHead({ kind: input.settings.head, mode: input.target.mode });
  checkFreshNegatives(settings, input.target.mode);
  return settings;
}
