/**
 * Rows of the reengineer suite in the shape of `seamflow reengineer`'s
 * report.json (original.accuracy, reengineered.{accuracy, wrr}, ...), and the
 * means the report puts beside SeaM's published figures. Pure.
 */
import type { ReengineerResult } from '../../engine/reengineer.js';
import { mean } from '../lib/stats.js';

export interface TargetRow {
  target: { mode: 'binary' | 'multiclass'; classes: number[]; classNames: string[] };
  counts: { train: number; val: number; test: number };
  original: { accuracy: number; accuracyRestricted: number; valAccuracy: number; params: number; flops: number };
  /** accuracy: of the shipped model (the fine-tuned one when the run fine-tuned; searchAccuracy is then the search's alone). */
  reengineered: { accuracy: number; valAccuracy: number; wrr: number; params: number; flops: number; searchAccuracy?: number };
  /** [ours] Fine-tuning after the search (absent in runs without it). */
  finetune?: { epochs: number; lr: number; seconds: number; selectedEpoch: number; valAccuracy: number; startValAccuracy: number } | null;
  search: {
    epochs: number;
    epochsRun: number;
    selectedEpoch: number;
    rule: string;
    seconds: number;
    history: { epoch: number; phase: string; trainLoss: number; trainAccuracy: number; valAccuracy: number; wrr: number; seconds: number }[];
  };
  /** Wall time of the whole target: scoring the original, search, scoring the result. */
  seconds: number;
}

export function targetRow(
  res: ReengineerResult,
  target: TargetRow['target'],
  counts: TargetRow['counts'],
  epochs: number,
  seconds: number,
): TargetRow {
  return {
    target,
    counts,
    original: {
      accuracy: res.original.test.accuracy,
      accuracyRestricted: res.original.test.accuracyRestricted,
      valAccuracy: res.original.val.accuracy,
      params: res.original.cost.params,
      flops: res.original.cost.flops,
    },
    reengineered: {
      accuracy: res.finetuned?.accuracy ?? res.reengineered.accuracy,
      valAccuracy: res.finetuned?.valAccuracy ?? res.reengineered.valAccuracy,
      wrr: res.reengineered.wrr,
      params: res.reengineered.cost.params,
      flops: res.reengineered.cost.flops,
      ...(res.finetuned ? { searchAccuracy: res.reengineered.accuracy } : {}),
    },
    finetune: res.finetuned
      ? {
          epochs: res.finetuned.settings.epochs,
          lr: res.finetuned.settings.lr,
          seconds: res.finetuned.seconds,
          selectedEpoch: res.finetuned.selectedEpoch,
          valAccuracy: res.finetuned.valAccuracy,
          startValAccuracy: res.finetuned.startValAccuracy,
        }
      : null,
    search: {
      epochs,
      epochsRun: res.search.epochsRun,
      selectedEpoch: res.search.selected.epoch,
      rule: res.search.selected.rule,
      seconds: res.search.seconds,
      history: res.search.history.map(({ newBest: _n, ...h }) => h),
    },
    seconds,
  };
}

export interface MeanSummary {
  targets: number;
  wrr: number;
  accuracy: number;
  originalAccuracy: number;
  originalAccuracyRestricted: number;
  /** reengineered - original (published scoring), in points. */
  gainPoints: number;
  /** reengineered - original restricted to the target, in points. */
  gainRestrictedPoints: number;
  /** Targets whose re-engineered accuracy is at least the original's. */
  atLeastOriginal: number;
  seconds: number;
}

export function meanSummary(rows: TargetRow[]): MeanSummary {
  const m = (f: (r: TargetRow) => number) => mean(rows.map(f));
  return {
    targets: rows.length,
    wrr: m((r) => r.reengineered.wrr),
    accuracy: m((r) => r.reengineered.accuracy),
    originalAccuracy: m((r) => r.original.accuracy),
    originalAccuracyRestricted: m((r) => r.original.accuracyRestricted),
    gainPoints: m((r) => (r.reengineered.accuracy - r.original.accuracy) * 100),
    gainRestrictedPoints: m((r) => (r.reengineered.accuracy - r.original.accuracyRestricted) * 100),
    atLeastOriginal: rows.filter((r) => r.reengineered.accuracy >= r.original.accuracy).length,
    seconds: rows.reduce((a, r) => a + r.seconds, 0),
  };
}
