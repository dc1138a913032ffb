import { parseArgs } from 'node:util';
import { UsageError } from '../usage-error.js';

export const summary = 'Show a run: its stages, live search, fine-tuning and defect-evaluation progress (--watch), and where its report is';

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { watch: { type: 'boolean', short: 'w', default: false }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log('Usage: seamflow status RUN_ID [--watch] [--json]');
    return 0;
  }
  const [id] = positionals;
  if (!id) throw new UsageError('give the run id (see `seamflow runs`)');
  const { openRunSession } = await import('../run-session.js');
  const { liveHeartbeats, queryProgress, watchRun } = await import('../watch-run.js');
  const { defectsLine } = await import('../defects-progress.js');
  const { finetuneLine } = await import('../finetune-progress.js');
  // Embedded: serve the queues here too, so the run's progress query has a worker to answer it.
  const session = await openRunSession({ withWorkers: true });
  try {
    const handle = session.temporal.client.workflow.getHandle(id);
    const desc = await handle.describe().catch((err: unknown) => {
      throw new UsageError(`no run "${id}" in namespace ${session.temporal.namespace}: ${(err as Error).message}`);
    });
    if (values.watch && desc.status.name === 'RUNNING') await watchRun(session.temporal.client, id);
    const progress = await queryProgress(handle);
    const live = desc.status.name === 'RUNNING' ? await liveHeartbeats(handle) : {};
    const beat = live.search;
    const final = await handle.describe();
    if (values.json) {
      console.log(JSON.stringify({ id, status: final.status.name, progress, search: beat, finetune: live.finetune, defects: live.defects }, null, 2));
      return 0;
    }
    console.log(`run ${id}: ${final.status.name} (started ${final.startTime.toISOString()})`);
    for (const s of progress?.stages ?? []) {
      const extra = Object.entries(s.summary ?? {})
        .map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toFixed(4) : v}`)
        .join(' ');
      console.log(`  ${s.stage.padEnd(22)} ${s.status}${s.cached ? ' (cached)' : ''} ${extra}`);
    }
    if (beat) console.log(`  search: epoch ${beat.epoch + 1}/${beat.epochs}, step ${beat.step}/${beat.steps}, loss ${beat.loss.toFixed(4)}, WRR ${(beat.wrr * 100).toFixed(2)}%`);
    if (live.finetune) console.log(`  ${finetuneLine(live.finetune)}`);
    if (live.defects) console.log(`  ${defectsLine(live.defects)}`);
    if (progress?.error) console.log(`  error: ${progress.error}`);
    if (progress?.reportKey) console.log(`  report: ${progress.reportKey} (artifact store)`);
    return final.status.name === 'FAILED' ? 1 : 0;
  } finally {
    await session.close();
  }
}
