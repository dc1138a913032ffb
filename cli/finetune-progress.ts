/**
 * How the finetuneModel heartbeat reads on a terminal: one status line
 * (`seamflow status`) and the note of the `status --watch` progress bar; the
 * dashboard's live view uses the same fraction.
 */
import type { FinetuneHeartbeat } from '../workflows/types.js';
import { pct } from './format.js';

/** Fraction of all fine-tuning steps done, 0..1 (0 before the first step). */
export function finetuneFraction(hb: Pick<FinetuneHeartbeat, 'done' | 'total'>): number {
  return hb.total > 0 ? Math.min(1, hb.done / hb.total) : 0;
}

/** e.g. "epoch 2/4 loss 0.4123 acc 81.25% val 79.00% (search model 70.00%)". */
export function finetuneNote(hb: FinetuneHeartbeat): string {
  return [
    `epoch ${hb.epoch + 1}/${hb.epochs}`,
    ...(Number.isFinite(hb.loss) ? [`loss ${hb.loss.toFixed(4)} acc ${pct(hb.accuracy)}`] : []),
    ...(hb.valAccuracy === undefined ? [] : [`val ${pct(hb.valAccuracy)}`]),
    ...(hb.startValAccuracy === undefined ? [] : [`(search model ${pct(hb.startValAccuracy)})`]),
  ].join(' ');
}

/** e.g. "finetune: step 13/40 (32.5%), epoch 2/4 loss 0.4123 acc 81.25% val 79.00% (search model 70.00%)". */
export function finetuneLine(hb: FinetuneHeartbeat): string {
  const count = hb.total > 0 ? `step ${hb.done}/${hb.total} (${(finetuneFraction(hb) * 100).toFixed(1)}%), ` : '';
  return `finetune: ${count}${finetuneNote(hb)}`;
}
