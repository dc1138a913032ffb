import path from 'node:path';
import { parseArgs } from 'node:util';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client, type ScheduleHandle } from '@temporalio/client';
import { ScheduleInputError, backfillRange, planZoo, validateCron, validateScheduleName, type ZooSpec } from '../../infra/zoo/index.js';
import { WORKFLOW_QUEUE } from '../../workflows/task-queues.js';
import { usage } from '../flags.js';
import { UsageError } from '../usage-error.js';
import { readZooFile } from './zoo.js';

export const summary = 'Run a zoo on a cron schedule (Temporal Schedules): create | list | describe | pause | unpause | trigger | backfill | delete';

const HELP = `Usage:
  seamflow schedule create --name NAME --cron "MIN HOUR DOM MON DOW" --zoo ZOO.json [--paused] [--catchup 1h] [--note TEXT]
  seamflow schedule list [--json]
  seamflow schedule describe NAME
  seamflow schedule pause NAME [--note TEXT]
  seamflow schedule unpause NAME
  seamflow schedule trigger NAME               start a zoo run now
  seamflow schedule backfill NAME --from ISO --to ISO [--overlap buffer-all|allow-all|skip]
  seamflow schedule delete NAME

A schedule starts zooWorkflow with the zoo file as it was when the schedule was
created (validated first; an invalid file creates nothing). Overlap policy: skip
(a run still going when the next is due means the next is skipped); missed times
within the catch-up window (default 1h) run when the server is back. Backfill
replays the scheduled times in [from, to) one after another (buffer-all) unless
--overlap says otherwise. Zoo runs are named zoo-NAME-<scheduled time>.
Schedules live on the Temporal server: with no TEMPORAL_ADDRESS they fire only
while \`seamflow stack up\` and a \`seamflow worker\` are running.`;

const OVERLAPS = { 'buffer-all': ScheduleOverlapPolicy.BUFFER_ALL, 'allow-all': ScheduleOverlapPolicy.ALLOW_ALL, skip: ScheduleOverlapPolicy.SKIP } as const;
type OverlapName = keyof typeof OVERLAPS;

export interface ZooScheduleOptions {
  name: string;
  cron: string;
  zoo: ZooSpec;
  /** Where the zoo came from (shown by list/describe). */
  zooFile?: string;
  catchupWindow?: string;
  paused?: boolean;
  note?: string;
}

function input<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ScheduleInputError) throw new UsageError(err.message);
    throw err;
  }
}

/** Creates the schedule (id = name) whose action starts zooWorkflow with the zoo; overlap skip, a catch-up window. */
export async function createZooSchedule(client: Client, o: ZooScheduleOptions): Promise<ScheduleHandle> {
  const name = input(() => validateScheduleName(o.name));
  const cron = input(() => validateCron(o.cron));
  try {
    return await client.schedule.create({
      scheduleId: name,
      spec: { cronExpressions: [cron] },
      action: {
        type: 'startWorkflow',
        workflowType: 'zooWorkflow',
        // The server appends the scheduled time: zoo-NAME-2024-05-01T02:00:00Z.
        workflowId: `zoo-${name}`,
        taskQueue: WORKFLOW_QUEUE,
        args: [o.zoo],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: o.catchupWindow ?? '1 hour' },
      state: { paused: o.paused ?? false, ...(o.note ? { note: o.note } : {}) },
      memo: { cron, zoo: o.zoo.name, ...(o.zooFile ? { zooFile: o.zooFile } : {}), runs: planZoo(o.zoo).length },
    });
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) throw new UsageError(`a schedule named "${name}" already exists (\`seamflow schedule delete ${name}\` first)`);
    if (err instanceof Error && /invalid/i.test(err.message)) throw new UsageError(`the server refused the schedule: ${err.message}`);
    throw err;
  }
}

/** A handle to an existing schedule; an unknown name is a usage error. */
export async function existingSchedule(client: Client, name: string): Promise<ScheduleHandle> {
  const handle = client.schedule.getHandle(name);
  try {
    await handle.describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new UsageError(`no schedule named "${name}" (see \`seamflow schedule list\`)`);
    throw err;
  }
  return handle;
}

export interface ScheduleRow {
  name: string;
  paused: boolean;
  cron?: string;
  zoo?: string;
  note?: string;
  recentRuns: string[];
  next?: string;
}

export async function listSchedules(client: Client): Promise<ScheduleRow[]> {
  const rows: ScheduleRow[] = [];
  for await (const s of client.schedule.list()) {
    rows.push({
      name: s.scheduleId,
      paused: s.state.paused,
      cron: typeof s.memo?.cron === 'string' ? s.memo.cron : undefined,
      zoo: typeof s.memo?.zoo === 'string' ? s.memo.zoo : undefined,
      note: s.state.note,
      recentRuns: s.info.recentActions.map((a) => a.action.workflow.workflowId),
      next: s.info.nextActionTimes[0]?.toISOString(),
    });
  }
  return rows.sort((a, b) => a.name.localeCompare(b.name));
}

export async function backfillSchedule(client: Client, name: string, range: { start: Date; end: Date }, overlap: OverlapName = 'buffer-all'): Promise<void> {
  const handle = await existingSchedule(client, name);
  await handle.backfill({ start: range.start, end: range.end, overlap: OVERLAPS[overlap] });
}

export async function run(argv: string[]): Promise<number> {
  const parsed = usage(() =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        name: { type: 'string' },
        cron: { type: 'string' },
        zoo: { type: 'string' },
        paused: { type: 'boolean' },
        catchup: { type: 'string' },
        note: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        overlap: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [sub, nameArg, ...extra] = positionals;
  const subs = ['create', 'list', 'describe', 'pause', 'unpause', 'trigger', 'backfill', 'delete'];
  if (!sub || !subs.includes(sub)) throw new UsageError(sub ? `unknown subcommand "${sub}" (${subs.join(' | ')})` : `give a subcommand: ${subs.join(' | ')} (see --help)`);
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);

  // Everything checkable without a server, first.
  let createOpts: ZooScheduleOptions | undefined;
  let range: { start: Date; end: Date } | undefined;
  let overlap: OverlapName = 'buffer-all';
  const name = sub === 'create' ? values.name : nameArg;
  if (sub === 'create') {
    if (nameArg) throw new UsageError(`unexpected argument "${nameArg}" (the name goes in --name)`);
    for (const req of ['name', 'cron', 'zoo'] as const) if (!values[req]) throw new UsageError(`--${req} is required (see --help)`);
    input(() => validateScheduleName(values.name!));
    const cron = input(() => validateCron(values.cron!));
    if (values.catchup !== undefined && !/^\d+\s*(ms|s|m|h|d|seconds?|minutes?|hours?|days?)$/.test(values.catchup.trim())) {
      throw new UsageError(`--catchup "${values.catchup}": expected a duration such as 30m, 1h or 2 hours`);
    }
    const zoo = await readZooFile(values.zoo!);
    createOpts = { name: values.name!, cron, zoo, zooFile: path.resolve(values.zoo!), catchupWindow: values.catchup, paused: values.paused, note: values.note };
  } else if (sub !== 'list') {
    if (!name) throw new UsageError(`give the schedule name: seamflow schedule ${sub} NAME`);
    input(() => validateScheduleName(name));
  }
  if (sub === 'backfill') {
    range = input(() => backfillRange(values.from, values.to, new Date()));
    if (values.overlap !== undefined) {
      if (!(values.overlap in OVERLAPS)) throw new UsageError(`--overlap must be ${Object.keys(OVERLAPS).join(', ')}, got "${values.overlap}"`);
      overlap = values.overlap as OverlapName;
    }
  }

  const { openRunSession } = await import('../run-session.js');
  const session = await openRunSession();
  try {
    const client = session.temporal.client;
    switch (sub) {
      case 'create': {
        await createZooSchedule(client, createOpts!);
        const d = await client.schedule.getHandle(createOpts!.name).describe();
        console.log(
          `schedule ${createOpts!.name}: zoo "${createOpts!.zoo.name}" on "${createOpts!.cron}"${createOpts!.paused ? ' (paused)' : ''}; next run ${d.info.nextActionTimes[0]?.toISOString() ?? 'none'}`,
        );
        if (session.temporal.embedded) console.log('note: the embedded Temporal server runs schedules only while `seamflow stack up` and a `seamflow worker` are running');
        return 0;
      }
      case 'list': {
        const rows = await listSchedules(client);
        if (values.json) console.log(JSON.stringify(rows, null, 2));
        else if (rows.length === 0) console.log('no schedules');
        else
          for (const r of rows) {
            console.log(`${r.name.padEnd(24)} ${(r.paused ? 'paused' : 'active').padEnd(7)} ${(r.cron ?? '').padEnd(16)} zoo ${r.zoo ?? '?'}  next ${r.next ?? '-'}  recent runs ${r.recentRuns.length}`);
          }
        return 0;
      }
      case 'describe': {
        const d = await (await existingSchedule(client, name!)).describe();
        console.log(
          JSON.stringify(
            {
              name: d.scheduleId,
              paused: d.state.paused,
              note: d.state.note,
              memo: d.memo,
              overlap: d.policies.overlap,
              catchupWindowMs: d.policies.catchupWindow,
              actionsTaken: d.info.numActionsTaken,
              skippedOverlap: d.info.numActionsSkippedOverlap,
              missedCatchupWindow: d.info.numActionsMissedCatchupWindow,
              running: d.info.runningActions.map((a) => a.workflow.workflowId),
              recent: d.info.recentActions.map((a) => ({ scheduledAt: a.scheduledAt.toISOString(), workflowId: a.action.workflow.workflowId })),
              next: d.info.nextActionTimes.map((t) => t.toISOString()),
            },
            null,
            2,
          ),
        );
        return 0;
      }
      case 'pause':
        await (await existingSchedule(client, name!)).pause(values.note ?? 'paused with seamflow schedule pause');
        console.log(`schedule ${name}: paused`);
        return 0;
      case 'unpause':
        await (await existingSchedule(client, name!)).unpause(values.note ?? 'unpaused with seamflow schedule unpause');
        console.log(`schedule ${name}: active`);
        return 0;
      case 'trigger':
        await (await existingSchedule(client, name!)).trigger(ScheduleOverlapPolicy.ALLOW_ALL);
        console.log(`schedule ${name}: triggered a zoo run (see \`seamflow schedule describe ${name}\`)`);
        return 0;
      case 'backfill':
        await backfillSchedule(client, name!, range!, overlap);
        console.log(`schedule ${name}: backfilling ${range!.start.toISOString()} .. ${range!.end.toISOString()} (${overlap})`);
        return 0;
      case 'delete':
        await (await existingSchedule(client, name!)).delete();
        console.log(`schedule ${name}: deleted (runs it started keep going)`);
        return 0;
    }
    return 2;
  } finally {
    await session.close();
  }
}
