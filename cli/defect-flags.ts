/**
 * The defect-evaluation options of `seamflow reengineer` / `submit`: flags,
 * their help, and the line printed at the end of a run.
 */
import { REUSE_DEFAULTS } from '../engine/defect/reuse-settings.js';
import type { DefectSettings } from '../workflows/types.js';
import { intFlag, numberFlag, oneOf } from './flags.js';
import { pct } from './format.js';
import { UsageError } from './usage-error.js';

export const DEFECT_FLAGS = {
  defects: { type: 'string' },
  'defect-epochs': { type: 'string' },
  'prune-threshold': { type: 'string' },
} as const;

export const DEFECT_HELP = `Defect inheritance (an extra evaluateDefects stage; see seamflow defect):
  --defects A          pgd (adversarial DIR) | backdoor (ASR of the trigger in the model's meta.json):
                       standard fine-tuning vs seam reuse of the model, each student attacked
  --defect-epochs N    fine-tuning epochs of both students  [${REUSE_DEFAULTS.epochs}]
  --prune-threshold T  seam reuse: fraction of the weights to remove, in (0, 1)  [${REUSE_DEFAULTS.pruneThreshold}]`;

export interface DefectFlagValues {
  defects?: string;
  'defect-epochs'?: string;
  'prune-threshold'?: string;
}

/** The run's DefectSettings, or undefined without --defects; `seed` is the run's. */
export function parseDefectFlags(values: DefectFlagValues, seed: number): DefectSettings | undefined {
  const attack = oneOf<DefectSettings['attack']>('defects', values.defects, ['pgd', 'backdoor']);
  const epochs = intFlag('defect-epochs', values['defect-epochs'], 1);
  const pruneThreshold = numberFlag('prune-threshold', values['prune-threshold'], (n) => n > 0 && n < 1, 'a number strictly between 0 and 1');
  if (!attack) {
    const stray = (['defect-epochs', 'prune-threshold'] as const).find((f) => values[f] !== undefined);
    if (stray) throw new UsageError(`--${stray} needs --defects pgd|backdoor`);
    return undefined;
  }
  return { attack, epochs: epochs ?? REUSE_DEFAULTS.epochs, pruneThreshold: pruneThreshold ?? REUSE_DEFAULTS.pruneThreshold, seed };
}

/** The report's defects section as console lines. */
export function formatDefects(d: {
  measure: string;
  standard: { accuracy: number; value: number };
  seam: { accuracy: number; value: number; wrr: number };
  reduction: number | null;
}): string {
  return [
    `defects (${d.measure}) standard reuse ${d.standard.value.toFixed(2)}% at accuracy ${pct(d.standard.accuracy)}`,
    `defects (${d.measure}) seam reuse     ${d.seam.value.toFixed(2)}% at accuracy ${pct(d.seam.accuracy)}, WRR ${pct(d.seam.wrr)}`,
    d.reduction === null ? 'standard reuse inherited no defects: no reduction to report' : `seam reuse inherits ${d.reduction.toFixed(1)}% fewer defects`,
  ].join('\n');
}
