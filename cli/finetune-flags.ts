/** The fine-tuning options of `seamflow reengineer` / `submit` ([ours]: kept weights trained after the search, masks fixed). */
import { DISTILL_DEFAULT_TEMPERATURE, FINETUNE_DEFAULTS, type FinetuneRequest } from '../engine/finetune/settings.js';
import { intFlag, numberFlag } from './flags.js';
import { pct, points } from './format.js';
import { UsageError } from './usage-error.js';

export const FINETUNE_FLAGS = {
  'finetune-epochs': { type: 'string' },
  'finetune-lr': { type: 'string' },
  'finetune-distill': { type: 'string' },
  'finetune-temperature': { type: 'string' },
  'finetune-fresh-negatives': { type: 'boolean' },
} as const;

export const FINETUNE_HELP = `Fine-tuning after the search (not in SeaM: its weights stay frozen):
  --finetune-epochs N  train the kept weights, BatchNorm and head for N epochs with every
                       masked-out weight held at zero; masked/ and compact/ ship the result  [0 = off]
  --finetune-lr L      SGD learning rate, cosine to zero (momentum ${FINETUNE_DEFAULTS.momentum}, weight decay ${FINETUNE_DEFAULTS.weightDecay})  [${FINETUNE_DEFAULTS.lr}]
  --finetune-distill W the original model teaches: loss = (1 - W) CE(labels) + W T^2 CE(original's
                       probabilities at T, the model's at T), W in (0, 1]  [0 = off]
  --finetune-temperature T  distillation temperature  [${DISTILL_DEFAULT_TEMPERATURE}]
  --finetune-fresh-negatives  binary targets: every epoch draws its negatives afresh from all the
                       training split's other-class images (the problem samples as many as positives)`;

export interface FinetuneFlagValues {
  'finetune-epochs'?: string;
  'finetune-lr'?: string;
  'finetune-distill'?: string;
  'finetune-temperature'?: string;
  'finetune-fresh-negatives'?: boolean;
}

export function parseFinetuneFlags(values: FinetuneFlagValues): FinetuneRequest | undefined {
  const epochs = intFlag('finetune-epochs', values['finetune-epochs'], 0) ?? 0;
  const lr = numberFlag('finetune-lr', values['finetune-lr'], (n) => n > 0 && Number.isFinite(n), 'a number > 0');
  const distill = numberFlag('finetune-distill', values['finetune-distill'], (n) => n >= 0 && n <= 1, 'a number in [0, 1]');
  const temperature = numberFlag('finetune-temperature', values['finetune-temperature'], (n) => n > 0 && Number.isFinite(n), 'a number > 0');
  const fresh = values['finetune-fresh-negatives'];
  if (epochs === 0) {
    for (const [flag, v] of [['lr', lr], ['distill', distill], ['temperature', temperature], ['fresh-negatives', fresh]] as const) {
      if (v !== undefined) throw new UsageError(`--finetune-${flag} needs --finetune-epochs N (N >= 1)`);
    }
    return undefined;
  }
  if (temperature !== undefined && !distill) throw new UsageError('--finetune-temperature needs --finetune-distill W (W > 0)');
  return {
    epochs,
    ...(lr === undefined ? {} : { lr }),
    ...(distill ? { distill } : {}),
    ...(temperature === undefined ? {} : { temperature }),
    ...(fresh ? { freshNegatives: true } : {}),
  };
}

/** The line printed at the end of a fine-tuned run (direct or Temporal): from the report's finetune section. */
export function formatFinetune(f: { accuracy: number; searchAccuracy: number; settings: { epochs: number; distill?: { weight: number }; freshNegatives?: true } }): string {
  const taught = f.settings.distill ? `, distilled from the original (weight ${f.settings.distill.weight})` : '';
  const fresh = f.settings.freshNegatives ? ', fresh negatives every epoch' : '';
  return `fine-tuned    accuracy ${pct(f.accuracy)} after ${f.settings.epochs} epoch(s)${taught}${fresh} (${points(f.accuracy - f.searchAccuracy)} points over the search's model)`;
}
