/**
 * What the server knows about a finished zoo's children: each run's start and
 * close time (describe) and its tasks' queue and run times (history), fetched
 * a few at a time so the small dev server keeps up.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { tsToMs } from '@temporalio/common';
import { summariseTimings, taskTimings, type TaskEvent, type TaskTimingRow } from './zoo-history.js';
import type { ChildSpan } from './zoo-makespan.js';

async function inBatches<T, R>(items: readonly T[], fn: (t: T) => Promise<R>, size = 20): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

/** The task-scheduling facts of one history event, if it is one. */
function fromProtoEvent(e: HistoryEvent): TaskEvent | undefined {
  const id = Number(e.eventId);
  const time = tsToMs(e.eventTime);
  const done = (a: { scheduledEventId?: unknown } | null | undefined, kind: 'started' | 'completed'): TaskEvent | undefined =>
    a ? { id, time, kind, scheduledId: Number(a.scheduledEventId) } : undefined;
  if (e.activityTaskScheduledEventAttributes) return { id, time, kind: 'scheduled', task: 'activity', name: e.activityTaskScheduledEventAttributes.activityType?.name ?? '?' };
  if (e.workflowTaskScheduledEventAttributes) return { id, time, kind: 'scheduled', task: 'workflow', name: 'workflow task' };
  return (
    done(e.activityTaskStartedEventAttributes, 'started') ??
    done(e.workflowTaskStartedEventAttributes, 'started') ??
    done(e.activityTaskCompletedEventAttributes, 'completed') ??
    done(e.workflowTaskCompletedEventAttributes, 'completed')
  );
}

export async function collectChildren(client: Client, ids: readonly string[]): Promise<{ children: ChildSpan[]; tasks: TaskTimingRow[] }> {
  const children = await inBatches(ids, async (workflowId) => {
    const d = await client.workflow.getHandle(workflowId).describe();
    return { workflowId, start: d.startTime.getTime(), close: (d.closeTime ?? new Date()).getTime() };
  });
  const timings = await inBatches(ids, async (workflowId) => {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    return taskTimings((history.events ?? []).map(fromProtoEvent).filter((e): e is TaskEvent => e !== undefined));
  });
  return { children, tasks: summariseTimings(timings) };
}
