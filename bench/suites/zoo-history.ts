/**
 * Where a child run's time goes, from its Temporal history (pure): for every
 * activity and workflow task, the wait in its task queue (scheduled ->
 * started) and the run (started -> completed). The history's own server
 * timestamps, so it tells dispatch latency from work.
 */
import { quantile } from './zoo-makespan.js';

/** The few facts of a history event this needs (see `fromProtoEvent` in orchestration-zoo.ts). */
export type TaskEvent =
  | { id: number; time: number; kind: 'scheduled'; task: 'activity' | 'workflow'; name: string }
  | { id: number; time: number; kind: 'started' | 'completed'; scheduledId: number };

export interface TaskTiming {
  /** The activity type, or `workflow task`. */
  name: string;
  queueMs: number;
  runMs: number;
}

/** One timing per completed task of one history. */
export function taskTimings(events: readonly TaskEvent[]): TaskTiming[] {
  const scheduled = new Map<number, { name: string; time: number; started?: number }>();
  const out: TaskTiming[] = [];
  for (const e of events) {
    if (e.kind === 'scheduled') scheduled.set(e.id, { name: e.task === 'workflow' ? 'workflow task' : e.name, time: e.time });
    else {
      const s = scheduled.get(e.scheduledId);
      if (!s) continue;
      if (e.kind === 'started') s.started = e.time;
      else if (s.started !== undefined) out.push({ name: s.name, queueMs: s.started - s.time, runMs: e.time - s.started });
    }
  }
  return out;
}

export interface TaskTimingRow {
  name: string;
  /** Per child run on average. */
  perRun: number;
  queueP50: number;
  queueP90: number;
  runP50: number;
  runP90: number;
  /** Mean over runs of the summed queue and run time of this kind of task: its share of a target's latency. */
  queueSumPerRun: number;
  runSumPerRun: number;
}

/** Per task name over many runs, in order of first appearance. */
export function summariseTimings(runs: readonly TaskTiming[][]): TaskTimingRow[] {
  const by = new Map<string, TaskTiming[]>();
  for (const run of runs) for (const t of run) by.set(t.name, [...(by.get(t.name) ?? []), t]);
  const n = Math.max(1, runs.length);
  return [...by.entries()].map(([name, ts]) => ({
    name,
    perRun: ts.length / n,
    queueP50: quantile(ts.map((t) => t.queueMs), 0.5),
    queueP90: quantile(ts.map((t) => t.queueMs), 0.9),
    runP50: quantile(ts.map((t) => t.runMs), 0.5),
    runP90: quantile(ts.map((t) => t.runMs), 0.9),
    queueSumPerRun: ts.reduce((a, t) => a + t.queueMs, 0) / n,
    runSumPerRun: ts.reduce((a, t) => a + t.runMs, 0) / n,
  }));
}
