/**
 * One row of the defect suite: a target task under one attack, standard and
 * seam reuse side by side, from their two DefectReports (kept whole as the
 * raw measurement). Pure.
 */
import type { DefectReport } from '../../engine/defect/evaluate.js';
import type { AttackChoice } from './defect-plan.js';
import { accuracyLostPoints, atChance, meetsGoal, relativeReduction, summarizeComparisons, type Comparison, type ComparisonSummary } from './defect-summary.js';

export interface DefectRow {
  attack: AttackChoice;
  /** Which teacher was reused: the shared ResNet-20 (pgd) or the suite's backdoored CNN. */
  teacher: string;
  target: DefectReport['target'];
  counts: { train: number; val: number; test: number };
  accuracy: { standard: number; seam: number };
  /** Student outputs (2 for a binary task) and whether each student is at chance (its defect rate then means nothing). */
  outputs: number;
  atChance: { standard: boolean; seam: boolean };
  /** DIR (pgd) or ASR (backdoor), percent; `teacher` is the teacher's own ASR on the same triggered images. */
  defect: { unit: 'DIR' | 'ASR'; standard: number; seam: number; teacher: number | null };
  /** Relative reduction in percent, null when standard reuse inherited nothing. */
  reduction: number | null;
  accuracyLostPoints: number;
  goalMet: boolean;
  /** Backbone weights removed by seam reuse (fraction), and whether the search itself got there. */
  seamRemoved: number | null;
  seamReachedBySearch: boolean | null;
  seamSearchEpochs: number | null;
  seconds: { standard: number; seam: number };
  reports: { standard: DefectReport; seam: DefectReport };
}

export function defectRate(r: DefectReport): number {
  return r.attack.kind === 'pgd' ? r.attack.dir : r.attack.asr;
}

export function defectRow(attack: AttackChoice, teacher: string, standard: DefectReport, seam: DefectReport): DefectRow {
  const outputs = standard.target.mode === 'binary' ? 2 : standard.target.classes.length;
  const c: Comparison = { standard: { accuracy: standard.student.accuracy, defect: defectRate(standard) }, seam: { accuracy: seam.student.accuracy, defect: defectRate(seam) }, outputs };
  const reduction = relativeReduction(c.standard.defect, c.seam.defect);
  const lost = accuracyLostPoints(c);
  const chance = { standard: atChance(c.standard.accuracy, outputs), seam: atChance(c.seam.accuracy, outputs) };
  return {
    attack,
    teacher,
    target: standard.target,
    counts: { train: standard.data.train, val: standard.data.val, test: standard.data.test },
    accuracy: { standard: c.standard.accuracy, seam: c.seam.accuracy },
    outputs,
    atChance: chance,
    defect: {
      unit: attack === 'pgd' ? 'DIR' : 'ASR',
      standard: c.standard.defect,
      seam: c.seam.defect,
      teacher: standard.attack.kind === 'backdoor' ? standard.attack.teacherAsr : null,
    },
    reduction,
    accuracyLostPoints: lost,
    goalMet: meetsGoal(reduction, lost, chance.standard || chance.seam),
    seamRemoved: seam.seam?.removed ?? null,
    seamReachedBySearch: seam.seam?.reachedBySearch ?? null,
    seamSearchEpochs: seam.seam?.searchEpochs ?? null,
    seconds: { standard: standard.timings['total'] ?? Number.NaN, seam: seam.timings['total'] ?? Number.NaN },
    reports: { standard, seam },
  };
}

/** Per attack, and over every row (both defect kinds together). */
export function summarizeRows(rows: DefectRow[]): Partial<Record<AttackChoice | 'all', ComparisonSummary>> {
  const of = (rs: DefectRow[]) =>
    summarizeComparisons(rs.map((r) => ({ standard: { accuracy: r.accuracy.standard, defect: r.defect.standard }, seam: { accuracy: r.accuracy.seam, defect: r.defect.seam }, outputs: r.outputs })));
  const out: Partial<Record<AttackChoice | 'all', ComparisonSummary>> = {};
  for (const a of ['pgd', 'backdoor'] as const) {
    const rs = rows.filter((r) => r.attack === a);
    if (rs.length) out[a] = of(rs);
  }
  if (rows.length) out.all = of(rows);
  return out;
}
