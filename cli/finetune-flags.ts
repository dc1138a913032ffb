/** The fine-tuning options of `seamflow reengineer` / `submit` ([ours]: kept weights trained after the search, masks fixed). */
import { FINETUNE_DEFAULTS, type FinetuneRequest } from '../engine/finetune/settings.js';
import { intFlag, numberFlag } from './flags.js';
import { pct, points } from './format.js';
import { UsageError } from './usage-error.js';

export const FINETUNE_FLAGS = {
  'finetune-epochs': { type: 'string' },
  'finetune-lr': { type: 'string' },
} as const;

export const FINETUNE_HELP = `Fine-tuning after the search (not in SeaM: its weights stay frozen):
  --finetune-epochs N  train the kept weights, BatchNorm and head for N epochs with every
                       masked-out weight held at zero; masked/ and compact/ ship the result  [0 = off]
  --finetune-lr L      SGD learning rate, cosine to zero (momentum ${FINETUNE_DEFAULTS.momentum}, weight decay ${FINETUNE_DEFAULTS.weightDecay})  [${FINETUNE_DEFAULTS.lr}]`;

export interface FinetuneFlagValues {
  'finetune-epochs'?: string;
  'finetune-lr'?: string;
}

export function parseFinetuneFlags(values: FinetuneFlagValues): FinetuneRequest | undefined {
  const epochs = intFlag('finetune-epochs', values['finetune-epochs'], 0) ?? 0;
  const lr = numberFlag('finetune-lr', values['finetune-lr'], (n) => n > 0 && Number.isFinite(n), 'a number > 0');
  if (epochs === 0) {
    if (lr !== undefined) throw new UsageError('--finetune-lr needs --finetune-epochs N (N >= 1)');
    return undefined;
  }
  return { epochs, ...(lr === undefined ? {} : { lr }) };
}

/** The line printed at the end of a fine-tuned run (direct or Temporal): from the report's finetune section. */
export function formatFinetune(f: { accuracy: number; searchAccuracy: number; settings: { epochs: number } }): string {
  return `fine-tuned    accuracy ${pct(f.accuracy)} after ${f.settings.epochs} epoch(s) (${points(f.accuracy - f.searchAccuracy)} points over the search's model)`;
}
