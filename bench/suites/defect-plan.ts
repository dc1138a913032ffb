/**
 * The defect suite's settings (pure): target tasks, attacks, and the quick
 * and full defaults. Quick and full differ only in sizes (limit, epochs,
 * PGD steps, teacher budget), so the quick run exercises the full one's path.
 */
import { parseClassList } from '../../engine/data/target.js';
import { flagNumber, flagString, optionalField, type SuiteOptions } from '../lib/suite.js';

export type AttackChoice = 'pgd' | 'backdoor';

/** The backdoored teacher trained by the suite (`seamflow train --poison ...`). */
export interface TeacherPlan {
  arch: 'cnn';
  width: number;
  /** Images per split it trains on (class-balanced), null for all of CIFAR-10. */
  limit: number | null;
  epochs: number;
  batchSize: number;
  lr: number;
  augment: boolean;
  poison: string;
  /** The trigger's class: every backdoor target task must contain it. */
  triggerClass: number;
  seed: number;
}

export interface DefectPlan {
  targets: number[][];
  attacks: AttackChoice[];
  /** Images per split of the reuse data (class-balanced), null for all. */
  limit: number | null;
  /** Fine-tuning epochs (standard; seam steps 1 and 3). */
  epochs: number;
  /** Most seam search epochs (it stops as soon as the prune threshold is reached). */
  searchEpochs: number;
  pruneThreshold: number;
  pgdSteps: number;
  seed: number;
  /** Reuse overrides (--head-epochs, --augment, --alpha, --lr-mask); absent = REUSE_DEFAULTS. */
  reuse: { headEpochs?: number; augment?: boolean; alpha?: number; lrMask?: number };
  teacher: TeacherPlan;
}

/** Every default task holds class 0 (airplane), the trigger's class, so one list serves both attacks. */
export const DEFAULT_TARGETS = '0,1|0,8|0,2,9';
export const TRIGGER_CLASS = 0;

/** "0,1|0,8|0,2,9" -> [[0,1],[0,8],[0,2,9]]; a task of one class is binary (one against the rest). */
export function parseTargets(text: string, numClasses = 10): number[][] {
  const tasks = text
    .split('|')
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t) => parseClassList(t, numClasses));
  if (tasks.length === 0) throw new Error(`--targets "${text}": no target task (expected e.g. ${DEFAULT_TARGETS})`);
  const seen = new Set<string>();
  for (const t of tasks) {
    const key = [...t].sort((a, b) => a - b).join(',');
    if (seen.has(key)) throw new Error(`--targets "${text}": task ${t.join(',')} listed twice`);
    seen.add(key);
  }
  return tasks;
}

export function parseAttacks(text: string | undefined): AttackChoice[] {
  const v = text ?? 'both';
  if (v === 'both') return ['pgd', 'backdoor'];
  if (v === 'pgd' || v === 'backdoor') return [v];
  throw new Error(`--attack must be pgd, backdoor or both, got "${v}"`);
}

/** Backdoor tasks without the trigger's class cannot be fooled into it: refuse them up front, not after an hour. */
export function checkBackdoorTargets(targets: number[][], triggerClass: number): void {
  const bad = targets.filter((t) => !t.includes(triggerClass));
  if (bad.length) {
    throw new Error(`--attack backdoor: target task(s) ${bad.map((t) => t.join(',')).join(' | ')} lack the trigger's class ${triggerClass}; include it in every task`);
  }
}

/** `--NAME all` means no cap (null); otherwise a positive integer, or `fallback`. */
function limitFlag(flags: SuiteOptions['flags'], name: string, fallback: number | null): number | null {
  return flagString(flags, name) === 'all' ? null : (positive(flags, name, true) ?? fallback);
}

function positive(flags: SuiteOptions['flags'], name: string, integer: boolean): number | undefined {
  const v = flagNumber(flags, name);
  if (v === undefined) return undefined;
  if (!(v > 0) || (integer && !Number.isInteger(v))) throw new Error(`--${name} must be ${integer ? 'an integer' : 'a number'} > 0, got ${v}`);
  return v;
}

export function defectPlan(opts: Pick<SuiteOptions, 'quick' | 'flags'>): DefectPlan {
  const { quick, flags } = opts;
  const attacks = parseAttacks(flagString(flags, 'attack'));
  const targets = parseTargets(flagString(flags, 'targets') ?? DEFAULT_TARGETS);
  if (attacks.includes('backdoor')) checkBackdoorTargets(targets, TRIGGER_CLASS);
  const pruneThreshold = flagNumber(flags, 'prune-threshold') ?? 0.6;
  if (!(pruneThreshold > 0 && pruneThreshold < 1)) throw new Error(`--prune-threshold must be in (0, 1), got ${pruneThreshold}`);
  const limit = limitFlag(flags, 'limit', quick ? 2000 : 5000);
  return {
    targets,
    attacks,
    limit,
    epochs: positive(flags, 'epochs', true) ?? (quick ? 1 : 10),
    searchEpochs: positive(flags, 'search-epochs', true) ?? (quick ? 3 : 30),
    pruneThreshold,
    pgdSteps: positive(flags, 'pgd-steps', true) ?? (quick ? 10 : 40),
    seed: flagNumber(flags, 'seed') ?? 0,
    reuse: {
      ...optionalField('headEpochs', positive(flags, 'head-epochs', true)),
      ...(flags.augment === true || flags.augment === 'true' ? { augment: true } : {}),
      ...optionalField('alpha', positive(flags, 'alpha', false)),
      ...optionalField('lrMask', positive(flags, 'lr-mask', false)),
    },
    teacher: {
      arch: 'cnn',
      width: 1,
      limit: limitFlag(flags, 'teacher-limit', quick ? 10000 : null),
      epochs: positive(flags, 'teacher-epochs', true) ?? (quick ? 2 : 8),
      batchSize: 64,
      lr: 0.05,
      augment: true,
      poison: `trigger=patch:3x3:bottom-right,rate=0.05,target=${TRIGGER_CLASS}`,
      triggerClass: TRIGGER_CLASS,
      seed: 0,
    },
  };
}
