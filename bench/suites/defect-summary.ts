/**
 * How much less defect seam reuse inherits than standard reuse (pure), in
 * the published form: a relative reduction of the rate (DIR or ASR), averaged
 * over target tasks (SeaM's "57% fewer defects"), next to the accuracy it costs.
 */

/** The goal: at least this much relative reduction ... */
export const GOAL_REDUCTION_PERCENT = 60;
/** ... at no more than this many accuracy points below standard reuse. */
export const GOAL_MAX_ACCURACY_LOST_POINTS = 3;

/**
 * A student within this many points of chance (a constant prediction scores
 * 1/outputs on the balanced test split) has a defect rate that means nothing:
 * a constant prediction is never flipped by an attack nor by a trigger.
 */
export const CHANCE_MARGIN_POINTS = 5;

export function atChance(accuracy: number, outputs: number): boolean {
  return accuracy * 100 <= 100 / outputs + CHANCE_MARGIN_POINTS;
}

export interface MethodOutcome {
  /** Student accuracy on the target task's clean test split, in [0, 1]. */
  accuracy: number;
  /** DIR or ASR, in percent. */
  defect: number;
}

export interface Comparison {
  standard: MethodOutcome;
  seam: MethodOutcome;
  /** Outputs of the students (2 for a binary task), for the chance check. */
  outputs: number;
}

/** Either student at chance: the pair says nothing about defects. */
export function degenerate(c: Comparison): boolean {
  return atChance(c.standard.accuracy, c.outputs) || atChance(c.seam.accuracy, c.outputs);
}

/** 100 * (standard - seam) / standard; null when standard reuse inherited nothing (no reduction is defined). */
export function relativeReduction(standard: number, seam: number): number | null {
  if (!Number.isFinite(standard) || !Number.isFinite(seam) || standard <= 0) return null;
  return ((standard - seam) / standard) * 100;
}

/** Accuracy points seam reuse gives up against standard reuse (negative: it gained). */
export function accuracyLostPoints(c: Pick<Comparison, 'standard' | 'seam'>): number {
  return (c.standard.accuracy - c.seam.accuracy) * 100;
}

export function meetsGoal(reduction: number | null, lostPoints: number, isDegenerate = false): boolean {
  return !isDegenerate && reduction !== null && reduction >= GOAL_REDUCTION_PERCENT && lostPoints <= GOAL_MAX_ACCURACY_LOST_POINTS;
}

export interface ComparisonSummary {
  tasks: number;
  /** Tasks where a student is at chance: left out of the defect means below (their rates are meaningless). */
  degenerateTasks: number;
  /** Mean of the per-task reductions, as published (left out: degenerate tasks, and tasks where standard inherited nothing). */
  meanReduction: number | null;
  /** Reduction of the mean rates (non-degenerate tasks), which weights the tasks with more defects more. */
  reductionOfMeans: number | null;
  /** Mean DIR/ASR of the non-degenerate tasks (NaN when there are none). */
  meanStandard: number;
  meanSeam: number;
  /** Over every task: a collapsed student shows here. */
  meanAccuracyLostPoints: number;
  maxAccuracyLostPoints: number;
  /** Goal on the means: meanReduction >= 60 and mean accuracy lost <= 3 points, no task degenerate. */
  goalMet: boolean;
  /** Tasks that meet the goal on their own. */
  tasksMeetingGoal: number;
}

const mean = (v: number[]) => (v.length ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN);

export function summarizeComparisons(rows: Comparison[]): ComparisonSummary {
  const bad = rows.map(degenerate);
  const valid = rows.filter((_, i) => !bad[i]);
  const reductions = rows.map((r) => relativeReduction(r.standard.defect, r.seam.defect));
  const defined = reductions.filter((r, i): r is number => r !== null && !bad[i]);
  const lost = rows.map(accuracyLostPoints);
  const meanStandard = mean(valid.map((r) => r.standard.defect));
  const meanSeam = mean(valid.map((r) => r.seam.defect));
  const meanReduction = defined.length ? mean(defined) : null;
  const meanLost = mean(lost);
  const degenerateTasks = rows.length - valid.length;
  return {
    tasks: rows.length,
    degenerateTasks,
    meanReduction,
    reductionOfMeans: relativeReduction(meanStandard, meanSeam),
    meanStandard,
    meanSeam,
    meanAccuracyLostPoints: meanLost,
    maxAccuracyLostPoints: lost.length ? Math.max(...lost) : Number.NaN,
    goalMet: rows.length > 0 && meetsGoal(meanReduction, meanLost, degenerateTasks > 0),
    tasksMeetingGoal: rows.filter((_, i) => meetsGoal(reductions[i]!, lost[i]!, bad[i])).length,
  };
}
