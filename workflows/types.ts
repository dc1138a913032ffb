/**
 * What travels through Temporal: ids, artifact keys and numbers only, never
 * tensors or files (payloads fail at 2 MB). Plain types, safe in workflow code.
 */
import type { TargetMode } from '../engine/data/types.js';
import type { DefectComparisonSettings } from '../engine/defect/compare.js';
import type { FinetuneEpoch } from '../engine/finetune/finetune.js';
import type { FinetuneRequest, FinetuneSettings } from '../engine/finetune/settings.js';
import type { SearchSettings } from '../engine/search/search.js';

export interface ReengineerSpec {
  /** A model folder path readable by the workers, or an artifact key `models/...` already in the store. */
  model: string;
  /** Dataset spec, e.g. `cifar10:/data/cifar10` or `synthetic:classes=4,size=8`. */
  data: string;
  target: { mode: TargetMode; classes: number[] };
  settings: SearchSettings;
  /** Caps images per split (quick runs). */
  limit?: number;
  valFraction?: number;
  /** Checkpoint also every K steps inside an epoch (long epochs); 0 = epoch ends only. */
  checkpointEverySteps?: number;
  /** Where the CLI wants the results copied (report, masks, masked model); workers write to the store only. */
  label?: string;
  /** Also measure defect inheritance (standard vs seam reuse of the model); absent = no such stage. */
  defects?: DefectSettings;
  /** [ours] Train the kept weights after the search, masks fixed; absent = no finetuneModel stage. */
  finetune?: FinetuneRequest;
}

/** What the evaluateDefects stage measures: the engine's comparison settings (pgd: adversarial DIR; backdoor: ASR of the trigger in the model's meta.json). */
export type DefectSettings = DefectComparisonSettings;

/** Numbers only; the two full DefectReports are in the store under defectsKey. */
export interface DefectsOutcome {
  attack: DefectSettings['attack'];
  /** DIR (pgd) or ASR (backdoor): the `value`s below, in percent. */
  measure: 'DIR' | 'ASR';
  standard: { accuracy: number; value: number };
  seam: { accuracy: number; value: number; wrr: number };
  /** (standard - seam) / standard * 100; null when standard is 0. */
  reduction: number | null;
  defectsKey: string;
  cached: boolean;
}

/** The finetuneModel stage's result: numbers and a key; the tuned masked model is a TF.js folder in the store. */
export interface FinetuneOutcome {
  /** model.json of the tuned masked model (original architecture, masked-out weights exactly zero, target head). */
  finetunedModelKey: string;
  settings: FinetuneSettings;
  /** Test accuracy of the tuned model. */
  accuracy: number;
  /** Validation accuracy of the model kept (the best epoch, or the search's model). */
  valAccuracy: number;
  /** Validation accuracy of the search's model, before fine-tuning. */
  startValAccuracy: number;
  /** -1: no epoch beat the search's model, which is kept. */
  selectedEpoch: number;
  seconds: number;
  /** Epochs trained. */
  epochs: number;
  history: FinetuneEpoch[];
  cached: boolean;
}

export interface ModelRef {
  modelKey: string;
  sha256: string;
  name: string;
}

export interface SampledProblem {
  problemKey: string;
  counts: { train: number; val: number; test: number };
  classNames: string[];
  checksums: Record<string, string>;
  dataset: string;
}

export interface OriginalEvaluation {
  val: { accuracy: number; accuracyRestricted: number; count: number };
  test: { accuracy: number; accuracyRestricted: number; count: number };
  cost: { params: number; maskableParams: number; keptParams: number; headParams: number; macs: number; flops: number };
}

export interface SearchOutcome {
  /** Plain-encoded SearchResult essentials: masks, head, history, selection. */
  searchKey: string;
  masksKey: string;
  selected: { epoch: number; valAccuracy: number; wrr: number; rule: string };
  epochsRun: number;
  stoppedEarly: boolean;
  seconds: number;
  backend: string;
  /** Epochs that were already done from a checkpoint when this attempt started. */
  resumedFromEpoch: number;
  cached: boolean;
}

export interface ReengineeredEvaluation {
  accuracy: number;
  wrr: number;
  cost: OriginalEvaluation['cost'];
}

export interface ExportedModelStats {
  params: number;
  flops: number;
  fileBytes: number;
  gzipBytes: number;
}

export interface ExportOutcome {
  maskedModelKey: string;
  compactModelKey: string;
  masked: ExportedModelStats;
  compact: ExportedModelStats;
  removedChannelGroups: number;
  /** Residual Adds whose branch was a constant and went whole (absent in outcomes stored before it existed). */
  droppedResidualBranches?: string[];
}

export interface RunReportRef {
  reportKey: string;
}

export type StageName =
  | 'registerModel'
  | 'sampleDataset'
  | 'evaluateOriginal'
  | 'searchMasks'
  | 'evaluateReengineered'
  | 'finetuneModel'
  | 'evaluateDefects'
  | 'exportModel'
  | 'writeReport';

export interface StageState {
  stage: StageName;
  status: 'pending' | 'running' | 'done' | 'failed';
  startedAt?: string;
  finishedAt?: string;
  cached?: boolean;
  summary?: Record<string, number | string | boolean>;
}

export interface RunProgress {
  runId: string;
  status: 'running' | 'completed' | 'failed' | 'cancelled';
  stages: StageState[];
  reportKey?: string;
  error?: string;
}

/** Where evaluateDefects is: load, reuse (finetune | head, search, retrain), evaluate, attack. */
export type DefectsPhase = 'load' | 'reuse' | 'finetune' | 'head' | 'search' | 'retrain' | 'evaluate' | 'attack';

/**
 * The heartbeat of evaluateDefects: which student (standard first, then
 * seam), which phase, how far. total 0 = a phase without countable steps.
 * `seconds` (into this phase, worker clock) lets readers compute an ETA
 * without clock skew.
 */
export interface DefectsHeartbeat {
  method: 'standard' | 'seam';
  phase: DefectsPhase;
  done: number;
  total: number;
  seconds: number;
  /** The engine's own step note, e.g. "loss 0.512 acc 0.810". */
  note?: string;
}

/** The heartbeat of a long search: enough to resume and to show progress. */
export interface SearchHeartbeat {
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  checkpointKey?: string;
  loss: number;
  wrr: number;
  accuracy: number;
}

/** The heartbeat of finetuneModel: where the training is, and the validation accuracy so far. */
export interface FinetuneHeartbeat {
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  /** Steps done over all epochs, of `total`. */
  done: number;
  total: number;
  loss: number;
  /** Training accuracy of the epoch so far. */
  accuracy: number;
  /** The search's model on validation, and the best so far (absent until known). */
  startValAccuracy?: number;
  valAccuracy?: number;
}
