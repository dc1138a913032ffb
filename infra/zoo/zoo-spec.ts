/**
 * A zoo: many models x many target problems, re-engineered as one durable
 * run. This is the validated, normalised form (see parse-zoo.ts for the file
 * format) and the input of `zooWorkflow`: plain data, small, types only, safe
 * in workflow code.
 */
import type { TargetMode } from '../../engine/data/types.js';
import type { SearchSettings } from '../../engine/search/search.js';

export interface ZooModel {
  /** Unique in the zoo; [A-Za-z0-9_-], used in child run ids and the leaderboard. */
  name: string;
  /** A model folder (absolute once parsed) or an artifact key `models/...`. */
  model: string;
  /** Canonical dataset spec (`formatDatasetSpec`). */
  data: string;
  /** Name of the dataset entry the data spec came from (leaderboard, defaults). */
  dataset: string;
  /** Zoo defaults with this model's overrides on top; alpha/lrMask may stay open (published defaults per target). */
  settings: Partial<SearchSettings>;
  limit?: number;
  valFraction?: number;
  /** Names of the targets this model is re-engineered for (all, unless the file narrows it). */
  targets: string[];
}

export interface ZooTarget {
  name: string;
  mode: TargetMode;
  classes: number[];
}

export interface ZooSpec {
  name: string;
  models: ZooModel[];
  targets: ZooTarget[];
  /** At most this many child runs at once. */
  concurrency: number;
  /** Continue-as-new after starting this many child runs (keeps the history small on large zoos). */
  continueAsNewAfter: number;
  checkpointEverySteps?: number;
}

/**
 * maxRuns keeps the carried rows (about 200 bytes each) well under Temporal's payload limits.
 * continueAsNewAfter: a zoo run drains its children before it continues as new, leaving GPUs
 * idle for up to one child's run time, so this should be rare. A child costs about 6 events of
 * the zoo's history (measured by the orchestration bench), so 400 stay under the 4096 events at
 * which Temporal suggests continuing as new (also honoured) and far under its 50k limit.
 */
export const ZOO_DEFAULTS = { concurrency: 2, continueAsNewAfter: 400, maxConcurrency: 64, maxRuns: 2000 } as const;

/** Names of models and targets: they end up in workflow ids and artifact keys. */
export const ZOO_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$/;

/** One child run's outcome: keys and numbers only (it travels through continue-as-new). */
export interface ZooChildResult {
  index: number;
  model: string;
  target: string;
  mode?: TargetMode;
  classes?: number[];
  workflowId: string;
  status: 'completed' | 'failed' | 'cancelled';
  reportKey?: string;
  /** Test accuracy of the original model on the target problem. */
  originalAccuracy?: number;
  /** Test accuracy of the re-engineered model. */
  accuracy?: number;
  wrr?: number;
  compactParams?: number;
  compactFlops?: number;
  seconds?: number;
  error?: string;
}

/** A finished row as carried through continue-as-new: what the plan can rebuild (mode, classes, child id) is left out. */
export type ZooCarriedRow = Omit<ZooChildResult, 'mode' | 'classes' | 'workflowId'>;

/** What a zoo run hands to its continuation: the cursor and the finished results. */
export interface ZooCarry {
  next: number;
  results: ZooCarriedRow[];
  maxRunning: number;
  generation: number;
  startedAt: string;
}

export interface ZooProgress {
  zooId: string;
  name: string;
  status: 'running' | 'writing-leaderboard' | 'completed';
  total: number;
  started: number;
  running: number;
  completed: number;
  failed: number;
  maxRunning: number;
  concurrency: number;
  generation: number;
  runningIds: string[];
  leaderboardKey?: string;
}

export interface ZooResult {
  zooId: string;
  name: string;
  total: number;
  completed: number;
  failed: number;
  maxRunning: number;
  generations: number;
  leaderboardKey: string;
  markdownKey: string;
  results: ZooChildResult[];
}
