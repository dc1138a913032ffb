/**
 * Model selection and early stopping over per-epoch validation results, as
 * pure functions (METHOD.md, "Model selection", following the authors' code):
 * - among epochs whose val accuracy >= the original's, keep the smallest WRR;
 *   a WRR only counts as smaller when it drops by a full 0.1% step, and within
 *   the same 0.1% step a higher accuracy (at no higher WRR) wins;
 * - if no epoch reaches the original's accuracy, keep the best (acc - WRR);
 * - early stop (patience p > 0): once any epoch has reached the original's
 *   accuracy, stop after p epochs below it without a new best.
 */
/** Which epoch a search returns: this rule (`validation`, published) or its final one (`last`, [ours]; search.ts). */
export type SearchSelect = 'validation' | 'last';
export const SEARCH_SELECTS: readonly SearchSelect[] = ['validation', 'last'];

export interface EpochScore {
  epoch: number;
  valAccuracy: number;
  wrr: number;
}

export interface SelectionState {
  best?: EpochScore;
  fallback?: EpochScore & { score: number };
  reachedBaseline: boolean;
  badEpochs: number;
}

export interface SelectionUpdate {
  state: SelectionState;
  /** This epoch became the selected one (`best`) or the fallback. */
  isBest: boolean;
  isFallback: boolean;
  stop: boolean;
}

export function initialSelection(): SelectionState {
  return { reachedBaseline: false, badEpochs: 0 };
}

export function updateSelection(prev: SelectionState, e: EpochScore, baseline: number, patience = 0): SelectionUpdate {
  const state: SelectionState = { ...prev };
  const score = e.valAccuracy - e.wrr;
  const isFallback = !prev.fallback || score > prev.fallback.score;
  if (isFallback) state.fallback = { ...e, score };

  let isBest = false;
  if (e.valAccuracy >= baseline) {
    state.reachedBaseline = true;
    const best = prev.best;
    if (!best || permille(e.wrr) < permille(best.wrr)) {
      isBest = true;
      state.badEpochs = 0;
    } else if (e.wrr <= best.wrr && e.valAccuracy > best.valAccuracy) {
      isBest = true;
    }
    if (isBest) state.best = { ...e };
  } else if (state.reachedBaseline) {
    state.badEpochs = prev.badEpochs + 1;
  }
  const stop = patience > 0 && state.reachedBaseline && state.badEpochs >= patience;
  return { state, isBest, isFallback, stop };
}

/** The epoch to report: the best at baseline, else the fallback. */
export function selected(state: SelectionState): (EpochScore & { rule: 'min-wrr-at-baseline' | 'max-acc-minus-wrr' }) | undefined {
  if (state.best) return { ...state.best, rule: 'min-wrr-at-baseline' };
  if (state.fallback) {
    const { epoch, valAccuracy, wrr } = state.fallback;
    return { epoch, valAccuracy, wrr, rule: 'max-acc-minus-wrr' };
  }
  return undefined;
}

function permille(wrr: number): number {
  return Math.floor(wrr * 1000 + 1e-9);
}
