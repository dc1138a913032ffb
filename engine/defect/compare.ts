/**
 * Standard vs SeaM reuse of one teacher, side by side (METHOD.md, "Defect
 * inheritance"): the settings both measurements share, and the numbers a run
 * report shows. Plain functions; pair.ts runs the two measurements.
 */
import type { AttackKind, DefectReport } from './evaluate.js';
import type { PgdSettings } from './pgd.js';
import { REUSE_DEFAULTS, type ReuseMethod, type ReuseSettings } from './reuse-settings.js';

/** The knobs a re-engineering run exposes; everything else follows the published protocol. */
export interface DefectComparisonSettings {
  attack: AttackKind;
  /** Fine-tuning epochs of both students. */
  epochs: number;
  /** seam: fraction of the backbone weights to remove, in (0, 1). */
  pruneThreshold: number;
  searchEpochs?: number;
  /** Caps the test images scored and attacked. */
  limit?: number;
  pgdSteps?: number;
  seed: number;
}

export interface DefectComparison {
  attack: AttackKind;
  /** DIR (pgd) or ASR (backdoor), both in percent: lower is better. */
  measure: 'DIR' | 'ASR';
  standard: { accuracy: number; value: number };
  seam: { accuracy: number; value: number; wrr: number };
  /** Relative % fewer inherited defects with seam reuse; null when standard reuse inherits none. */
  reduction: number | null;
}

export function reuseSettingsFor(method: ReuseMethod, s: DefectComparisonSettings): ReuseSettings {
  return { ...REUSE_DEFAULTS, method, epochs: s.epochs, pruneThreshold: s.pruneThreshold, searchEpochs: s.searchEpochs ?? REUSE_DEFAULTS.searchEpochs, seed: s.seed };
}

export function pgdSettingsFor(s: DefectComparisonSettings): Partial<PgdSettings> {
  return s.pgdSteps === undefined ? {} : { steps: s.pgdSteps };
}

/** The checks reuse and PGD do not make themselves (RangeError: bad input, never retried). */
export function validateComparison(s: DefectComparisonSettings): void {
  const bad: string[] = [];
  if (s.attack !== 'pgd' && s.attack !== 'backdoor') bad.push(`attack must be pgd or backdoor, got ${String(s.attack)}`);
  if (s.limit !== undefined && !(Number.isInteger(s.limit) && s.limit >= 1)) bad.push(`limit must be an integer >= 1, got ${s.limit}`);
  if (s.pgdSteps !== undefined && !(Number.isInteger(s.pgdSteps) && s.pgdSteps >= 1)) bad.push(`pgd steps must be an integer >= 1, got ${s.pgdSteps}`);
  if (!Number.isInteger(s.seed)) bad.push(`seed must be an integer, got ${s.seed}`);
  if (bad.length) throw new RangeError(bad.join('; '));
}

export function attackValue(r: DefectReport): number {
  return r.attack.kind === 'pgd' ? r.attack.dir : r.attack.asr;
}

export function compareDefects(standard: DefectReport, seam: DefectReport): DefectComparison {
  const s = attackValue(standard);
  const m = attackValue(seam);
  return {
    attack: standard.attack.kind,
    measure: standard.attack.kind === 'pgd' ? 'DIR' : 'ASR',
    standard: { accuracy: standard.student.accuracy, value: s },
    seam: { accuracy: seam.student.accuracy, value: m, wrr: seam.seam?.wrr ?? 1 },
    reduction: s > 0 ? ((s - m) / s) * 100 : null,
  };
}
