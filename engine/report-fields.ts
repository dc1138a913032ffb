/**
 * The `original`, `reengineered` and `defects` sections of report.json, built
 * from the engine's scores and costs in one place, so a direct run and a
 * Temporal run write the same fields.
 */
import type { DefectComparison } from './defect/compare.js';
import type { CostSummary } from './eval/cost.js';
import type { OriginalScore } from './eval/original.js';

export function originalSection(o: { val: OriginalScore; test: OriginalScore; cost: CostSummary }) {
  return {
    accuracy: o.test.accuracy,
    accuracyRestricted: o.test.accuracyRestricted,
    valAccuracy: o.val.accuracy,
    valAccuracyRestricted: o.val.accuracyRestricted,
    params: o.cost.params,
    maskableParams: o.cost.maskableParams,
    macs: o.cost.macs,
    flops: o.cost.flops,
  };
}

export function reengineeredSection(r: { accuracy: number; valAccuracy: number; wrr: number; cost: CostSummary }) {
  return {
    accuracy: r.accuracy,
    valAccuracy: r.valAccuracy,
    wrr: r.wrr,
    params: r.cost.params,
    keptParams: r.cost.keptParams,
    headParams: r.cost.headParams,
    macs: r.cost.macs,
    flops: r.cost.flops,
    flopsNote: 'mask-aware count: the masked model still runs at dense cost; the compact export is the physically smaller model',
  };
}

/** The `finetune` section: the kept weights trained after the search, masks fixed ([ours]). */
export function finetuneSection<S extends object>(
  f: { settings: S; accuracy: number; valAccuracy: number; startValAccuracy: number; selectedEpoch: number; seconds: number; history: object[] },
  searchAccuracy: number,
) {
  return {
    accuracy: f.accuracy,
    valAccuracy: f.valAccuracy,
    startValAccuracy: f.startValAccuracy,
    selectedEpoch: f.selectedEpoch,
    searchAccuracy,
    gain: f.accuracy - searchAccuracy,
    seconds: f.seconds,
    settings: f.settings,
    history: f.history,
    note: 'the shipped masked/ and compact/ models are the fine-tuned ones (the epoch best on validation; -1 = the search model, no epoch beat it); masked-out weights stay exactly zero',
  };
}

/**
 * The `defects` section: standard vs seam reuse of the model, both students
 * attacked. Accuracy and WRR are fractions; `value` (DIR or ASR) and
 * `reduction` are percentages, as published.
 */
export function defectsSection(d: DefectComparison, settings: object) {
  return {
    attack: d.attack,
    measure: d.measure,
    unit: 'percent',
    standard: d.standard,
    seam: d.seam,
    reduction: d.reduction,
    settings,
  };
}
