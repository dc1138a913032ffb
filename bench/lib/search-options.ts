/**
 * The search and fine-tuning overrides the engine suites share (`reengineer`,
 * `export`): --alpha, --lr-mask, --penalty params|flops|latency, --layer-cost MACS,
 * --stop-at-wrr, --stop-mid-epoch, --select last,
 * --finetune-epochs N, --finetune-lr L, --finetune-distill W,
 * --finetune-temperature T, --finetune-fresh-negatives. Without them the published settings
 * apply and nothing is fine-tuned.
 */
import { describeLayerCost } from '../../cli/measured-layer-cost.js';
import { createProgressBar } from '../../cli/progress.js';
import { DISTILL_DEFAULT_TEMPERATURE, FINETUNE_DEFAULTS, finetuneSettingsFor, type FinetuneRequest } from '../../engine/finetune/settings.js';
import type { ImageSet } from '../../engine/data/types.js';
import { measureLayerCost } from '../../engine/eval/layer-cost.js';
import { PENALTIES, type Penalty } from '../../engine/masks/masks.js';
import type { ReengineerOptions } from '../../engine/reengineer.js';
import type { SearchSettings } from '../../engine/search/search.js';
import { pct } from './format.js';
import { say } from './progress.js';
import { flagNumber, flagString, optionalField, type SuiteOptions } from './suite.js';

export interface SearchOverrides {
  alpha?: number;
  lrMask?: number;
  penalty: Penalty;
  /** The latency penalty's fixed cost per layer (MACs per image); measured by withLayerCost when not given. */
  layerCost?: number;
  stopAtWrr?: number;
  stopMidEpoch: boolean;
  /** The search returns its last epoch's masks instead of the validation rule's. */
  selectLast: boolean;
  finetune: (FinetuneRequest & { lr: number }) | null;
}

export function searchOverrides(flags: SuiteOptions['flags']): SearchOverrides {
  const epochs = flagNumber(flags, 'finetune-epochs') ?? 0;
  const opt = (name: string) => flagNumber(flags, name);
  return {
    ...optionalField('alpha', opt('alpha')),
    ...optionalField('lrMask', opt('lr-mask')),
    penalty: penaltyFlag(flagString(flags, 'penalty')),
    ...optionalField('layerCost', opt('layer-cost')),
    ...optionalField('stopAtWrr', opt('stop-at-wrr')),
    stopMidEpoch: !!flags['stop-mid-epoch'],
    selectLast: flagString(flags, 'select') === 'last',
    finetune:
      epochs > 0
        ? {
            epochs,
            lr: opt('finetune-lr') ?? FINETUNE_DEFAULTS.lr,
            // A weight of 0 means no distillation, as on the CLI.
            ...optionalField('distill', opt('finetune-distill') || undefined),
            ...optionalField('temperature', opt('finetune-temperature')),
            ...(flags['finetune-fresh-negatives'] ? { freshNegatives: true } : {}),
          }
        : null,
  };
}

function penaltyFlag(v: string | undefined): Penalty {
  if (v === undefined) return 'params';
  if (!(PENALTIES as readonly string[]).includes(v)) throw new Error(`--penalty: expected one of ${PENALTIES.join(', ')}, got "${v}"`);
  return v as Penalty;
}

/** The overrides with the latency penalty's layer cost measured on the active backend when it was not given. */
export async function withLayerCost(o: SearchOverrides): Promise<SearchOverrides> {
  if (o.penalty !== 'latency' || o.layerCost !== undefined) return o;
  const c = await measureLayerCost();
  say(`layer cost: ${describeLayerCost(c)}`);
  return { ...o, layerCost: c.macs };
}

/** The search settings the overrides decide besides alpha and lrMask: penalty, layer cost, stop and selection. */
export function overrideFields(o: SearchOverrides): Pick<SearchSettings, 'penalty' | 'layerCost' | 'stopAtWrr' | 'stopMidEpoch' | 'select'> {
  if (o.stopMidEpoch && o.stopAtWrr === undefined) throw new Error('--stop-mid-epoch needs --stop-at-wrr');
  return {
    penalty: o.penalty,
    ...optionalField('layerCost', o.layerCost),
    ...optionalField('stopAtWrr', o.stopAtWrr),
    ...(o.stopMidEpoch ? { stopMidEpoch: true } : {}),
    ...(o.selectLast ? { select: 'last' as const } : {}),
  };
}

/** What the search's alpha weighed, for the reports. */
export function penaltyWords(s: { penalty: string; layerCost?: number }): string {
  if (s.penalty === 'flops') return 'FLOPs';
  if (s.penalty === 'latency') return `modelled latency (FLOPs plus ${((s.layerCost ?? 0) / 1e6).toFixed(2)}M MACs per residual-branch layer still running)`;
  return 'parameters (WRR)';
}

/** reengineer()'s fine-tuning option with a progress bar and a line per epoch (none without --finetune-epochs). */
export function finetuneOption(
  o: SearchOverrides,
  settings: SearchSettings,
  label: string,
  steps: number,
  /** The problem's unused negatives; null for a multiclass problem (fresh negatives then stay off). */
  unused: (() => ImageSet) | null,
): { option: Pick<ReengineerOptions, 'finetune'>; finish: () => void } {
  if (!o.finetune) return { option: {}, finish: () => undefined };
  const { epochs } = o.finetune;
  const fresh = o.finetune.freshNegatives && unused;
  const bar = createProgressBar(`[bench] fine-tune ${label}`, epochs * steps, { logEveryMs: 15000 });
  return {
    option: {
      finetune: {
        settings: finetuneSettingsFor({ ...o.finetune, freshNegatives: !!fresh }, settings),
        ...(fresh ? { unusedNegatives: fresh() } : {}),
        hooks: {
          onStep: (p) => bar.update(p.epoch * p.steps + p.step, `ep ${p.epoch + 1} loss ${p.loss.toFixed(3)}`),
          onEpoch: (r) => say(`  fine-tune epoch ${r.epoch + 1}/${epochs}: val acc ${pct(r.valAccuracy)}%`),
        },
      },
    },
    finish: () => bar.finish(),
  };
}

/** Sentences for the report on how the fine-tuning was taught: distillation, fresh negatives ('' for neither). */
export function finetuneNote(f: SearchOverrides['finetune']): string {
  const fresh = f?.freshNegatives ? ' Every fine-tuning epoch of a binary target drew fresh negatives from all the training split\'s other-class images.' : '';
  if (!f?.distill) return fresh;
  return ` The original model taught the fine-tuning (distillation weight ${f.distill}, temperature ${f.temperature ?? DISTILL_DEFAULT_TEMPERATURE}).${fresh}`;
}
