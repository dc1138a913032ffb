/**
 * How the evaluateDefects heartbeat reads on a terminal: one status line
 * (`seamflow status`) and one progress bar per phase (`status --watch`, and
 * `reengineer --direct --defects` with its in-process hooks). The phase's
 * ETA comes from the heartbeat's own clock, so it is right even when the
 * watcher joins midway.
 */
import type { DefectsHeartbeat, DefectsPhase } from '../workflows/types.js';
import { createProgressBar, formatSeconds, type ProgressBar } from './progress.js';

export const DEFECT_PHASE_LABELS: Record<DefectsPhase, string> = {
  load: 'loading',
  reuse: 'reuse',
  finetune: 'fine-tune',
  head: 'step 1/3 new head',
  search: 'step 2/3 mask search',
  retrain: 'step 3/3 fine-tune',
  evaluate: 'scoring',
  attack: 'attack',
};

/** Fraction of the current phase done, 0..1; undefined for a phase without countable steps. */
export function defectsFraction(hb: Pick<DefectsHeartbeat, 'done' | 'total'>): number | undefined {
  return hb.total > 0 ? Math.min(1, hb.done / hb.total) : undefined;
}

/** Seconds left in the current phase at its pace so far; undefined until there is a pace. */
export function defectsEtaSeconds(hb: Pick<DefectsHeartbeat, 'done' | 'total' | 'seconds'>): number | undefined {
  if (!(hb.total > 0 && hb.done > 0 && hb.done < hb.total && hb.seconds > 0)) return undefined;
  return (hb.seconds * (hb.total - hb.done)) / hb.done;
}

const studentNo = (m: DefectsHeartbeat['method']) => (m === 'standard' ? 1 : 2);

/** e.g. "defects: seam reuse (student 2/2), step 2/3 mask search 12/40 (30.0%), wrr 0.700 acc 0.812, about 14.0s left in this phase". */
export function defectsLine(hb: DefectsHeartbeat): string {
  const f = defectsFraction(hb);
  const eta = defectsEtaSeconds(hb);
  return [
    `defects: ${hb.method} reuse (student ${studentNo(hb.method)}/2), ${DEFECT_PHASE_LABELS[hb.phase] ?? hb.phase}${f === undefined ? '' : ` ${hb.done}/${hb.total} (${(f * 100).toFixed(1)}%)`}`,
    ...(hb.note ? [hb.note] : []),
    ...(eta === undefined ? [] : [`about ${formatSeconds(eta)} left in this phase`]),
  ].join(', ');
}

export interface DefectsBars {
  update(hb: Omit<DefectsHeartbeat, 'seconds'> & { seconds?: number }): void;
  finish(): void;
}

/** A bar per (student, phase): a new phase finishes the last bar; a phase without steps gets one line. */
export function createDefectsBars(opts: { stream?: NodeJS.WriteStream } = {}): DefectsBars {
  const stream = opts.stream ?? process.stderr;
  let bar: ProgressBar | undefined;
  let key = '';
  return {
    update(hb) {
      const label = `defects ${hb.method} ${DEFECT_PHASE_LABELS[hb.phase] ?? hb.phase}`;
      if (`${hb.method}/${hb.phase}` !== key) {
        bar?.finish();
        bar = undefined;
        key = `${hb.method}/${hb.phase}`;
        if (hb.total <= 0) stream.write(`${label}\n`);
      }
      if (hb.total <= 0) return;
      bar ??= createProgressBar(label, hb.total, { stream, startedAt: Date.now() - (hb.seconds ?? 0) * 1000 });
      bar.setTotal(hb.total);
      bar.update(hb.done, hb.note);
    },
    finish() {
      bar?.finish();
      bar = undefined;
      key = '';
    },
  };
}
