import type { Client, WorkflowHandle } from '@temporalio/client';
import type { DefectsHeartbeat, FinetuneHeartbeat, RunProgress, SearchHeartbeat } from '../workflows/types.js';
import { createDefectsBars, type DefectsBars } from './defects-progress.js';
import { finetuneNote } from './finetune-progress.js';
import { createProgressBar, type ProgressBar } from './progress.js';

/** The latest heartbeats of a run's long activities, read from Temporal's pending-activity view (one describe()). */
export interface LiveHeartbeats {
  search?: SearchHeartbeat;
  defects?: DefectsHeartbeat;
  finetune?: FinetuneHeartbeat;
}

const HEARTBEATING: Record<keyof LiveHeartbeats, string> = { search: 'searchMasks', defects: 'evaluateDefects', finetune: 'finetuneModel' };

/** Stages whose heartbeats are worth a describe() while they run. */
const LIVE_STAGES = Object.values(HEARTBEATING);

export async function liveHeartbeats(handle: WorkflowHandle): Promise<LiveHeartbeats> {
  const d = await handle.describe();
  const out: LiveHeartbeats = {};
  for (const [field, activity] of Object.entries(HEARTBEATING) as [keyof LiveHeartbeats, string][]) {
    const pending = (d.raw.pendingActivities ?? []).find((a) => a.activityType?.name === activity);
    const data = pending?.heartbeatDetails?.payloads?.[0]?.data;
    if (data) out[field] = JSON.parse(Buffer.from(data).toString('utf8'));
  }
  return out;
}

/** The latest heartbeat of a run's search. */
export async function searchHeartbeat(handle: WorkflowHandle): Promise<SearchHeartbeat | undefined> {
  return (await liveHeartbeats(handle)).search;
}

export async function queryProgress(handle: WorkflowHandle): Promise<RunProgress | undefined> {
  try {
    return await handle.query<RunProgress>('progress');
  } catch {
    return undefined; // not started yet, or a history without the query handler
  }
}

/**
 * Follows a run until it closes: one line per finished stage, a progress bar
 * over the search's epochs and steps, one over the fine-tuning's and one per
 * defect-evaluation phase, fed by their heartbeats.
 */
export async function watchRun(client: Client, workflowId: string, opts: { pollMs?: number } = {}): Promise<void> {
  const handle = client.workflow.getHandle(workflowId);
  const reported = new Set<string>();
  let bar: ProgressBar | undefined;
  let defectBars: DefectsBars | undefined;
  let finetuneBar: ProgressBar | undefined;
  const closed = handle.result().then(
    () => undefined,
    () => undefined,
  );
  let finished = false;
  void closed.then(() => (finished = true));
  for (;;) {
    const progress = await queryProgress(handle);
    for (const s of progress?.stages ?? []) {
      if ((s.status === 'done' || s.status === 'failed') && !reported.has(s.stage)) {
        reported.add(s.stage);
        if (s.stage === 'searchMasks') bar?.finish();
        if (s.stage === 'evaluateDefects') defectBars?.finish();
        if (s.stage === 'finetuneModel') finetuneBar?.finish();
        const summary = Object.entries(s.summary ?? {})
          .filter(([k]) => !k.endsWith('Key'))
          .map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toFixed(4) : v}`)
          .join(' ');
        process.stderr.write(`stage ${s.stage}: ${s.status}${s.cached ? ' (cached)' : ''} ${summary}\n`);
      }
    }
    const running = (stage: string) => progress?.stages.find((s) => s.stage === stage)?.status === 'running';
    if (LIVE_STAGES.some(running)) {
      const live = await liveHeartbeats(handle).catch((): LiveHeartbeats => ({}));
      const hb = live.search;
      if (hb && hb.steps > 0) {
        bar ??= createProgressBar('search', hb.epochs * hb.steps);
        bar.setTotal(hb.epochs * hb.steps);
        bar.update(hb.epoch * hb.steps + hb.step, `epoch ${hb.epoch + 1}/${hb.epochs} loss ${hb.loss.toFixed(4)} wrr ${(hb.wrr * 100).toFixed(2)}%`);
      }
      if (live.defects) (defectBars ??= createDefectsBars()).update(live.defects);
      const ft = live.finetune;
      if (ft && ft.total > 0) {
        finetuneBar ??= createProgressBar('finetune', ft.total);
        finetuneBar.setTotal(ft.total);
        finetuneBar.update(ft.done, finetuneNote(ft));
      }
    }
    if (finished) {
      // The client's own error only says the workflow failed; the run's progress names the cause.
      const last = await queryProgress(handle);
      if (last?.error) process.stderr.write(`run ${last.status}: ${last.error}\n`);
      return;
    }
    await Promise.race([closed, new Promise((r) => setTimeout(r, opts.pollMs ?? 1000))]);
  }
}
