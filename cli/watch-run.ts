import type { Client, WorkflowHandle } from '@temporalio/client';
import type { RunProgress, SearchHeartbeat } from '../workflows/types.js';
import { createProgressBar, type ProgressBar } from './progress.js';

/** The latest heartbeat of a run's search, read from Temporal's pending-activity view. */
export async function searchHeartbeat(handle: WorkflowHandle): Promise<SearchHeartbeat | undefined> {
  const d = await handle.describe();
  const pending = (d.raw.pendingActivities ?? []).find((a) => a.activityType?.name === 'searchMasks');
  const data = pending?.heartbeatDetails?.payloads?.[0]?.data;
  return data ? (JSON.parse(Buffer.from(data).toString('utf8')) as SearchHeartbeat) : undefined;
}

export async function queryProgress(handle: WorkflowHandle): Promise<RunProgress | undefined> {
  try {
    return await handle.query<RunProgress>('progress');
  } catch {
    return undefined; // not started yet, or a history without the query handler
  }
}

/**
 * Follows a run until it closes: one line per finished stage, and a progress
 * bar over the search's epochs and steps fed by its heartbeats.
 */
export async function watchRun(client: Client, workflowId: string, opts: { pollMs?: number } = {}): Promise<void> {
  const handle = client.workflow.getHandle(workflowId);
  const reported = new Set<string>();
  let bar: ProgressBar | undefined;
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
        const summary = Object.entries(s.summary ?? {})
          .filter(([k]) => !k.endsWith('Key'))
          .map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toFixed(4) : v}`)
          .join(' ');
        process.stderr.write(`stage ${s.stage}: ${s.status}${s.cached ? ' (cached)' : ''} ${summary}\n`);
      }
    }
    const searching = progress?.stages.find((s) => s.stage === 'searchMasks')?.status === 'running';
    if (searching) {
      const hb = await searchHeartbeat(handle).catch(() => undefined);
      if (hb && hb.steps > 0) {
        bar ??= createProgressBar('search', hb.epochs * hb.steps);
        bar.setTotal(hb.epochs * hb.steps);
        bar.update(hb.epoch * hb.steps + hb.step, `epoch ${hb.epoch + 1}/${hb.epochs} loss ${hb.loss.toFixed(4)} wrr ${(hb.wrr * 100).toFixed(2)}%`);
      }
    }
    if (finished) return;
    await Promise.race([closed, new Promise((r) => setTimeout(r, opts.pollMs ?? 1000))]);
  }
}
