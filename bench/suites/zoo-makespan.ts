/**
 * What a zoo run's timings say (pure): makespan against the ideal, throughput,
 * per-target latency, and where the time between GPU jobs went. All times are
 * wall-clock ms on one machine (server, workers and bench share the clock).
 */
import type { Row } from '../lib/plots.js';
import { median } from '../lib/stats.js';

/**
 * The least time a zoo can take: the fullest GPU runs ceil(N/W) jobs of D back
 * to back, and cannot start before one target's stages before its search
 * (`pre`) nor end before one target's stages after it (`post`).
 */
export function idealMakespan(p: { targets: number; workers: number; gpuSeconds: number; preSeconds?: number; postSeconds?: number }): number {
  return Math.ceil(p.targets / p.workers) * p.gpuSeconds + (p.preSeconds ?? 0) + (p.postSeconds ?? 0);
}

/** Linear-interpolated quantile of unsorted values (q in [0, 1]); NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

/** Index of the median value (the lower middle one of an even count). */
export function medianIndex(values: readonly number[]): number {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  return order[(order.length - 1) >> 1]?.[1] ?? -1;
}

export interface Distribution {
  p50: number;
  p90: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

export function distribution(values: readonly number[]): Distribution {
  return {
    p50: quantile(values, 0.5),
    p90: quantile(values, 0.9),
    p99: quantile(values, 0.99),
    min: Math.min(...values),
    max: Math.max(...values),
    mean: values.reduce((a, b) => a + b, 0) / values.length,
  };
}

export interface ChildSpan {
  workflowId: string;
  start: number;
  close: number;
}

export interface GpuSpan {
  workflowId: string;
  worker: number;
  /** When the search was queued. */
  scheduled: number;
  start: number;
  end: number;
}

export interface ZooRunTimes {
  zooStart: number;
  zooEnd: number;
  children: ChildSpan[];
  gpuJobs: GpuSpan[];
  workers: number;
  gpuSeconds: number;
}

export interface ZooAnalysis {
  targets: number;
  makespanSeconds: number;
  idealSeconds: number;
  /** makespan / ideal (goal <= 1.10). */
  ratio: number;
  /** Fastest observed stages before / after a target's search: the non-GPU part of the ideal. */
  preSeconds: number;
  postSeconds: number;
  targetsPerSecond: number;
  idealTargetsPerSecond: number;
  latencySeconds: Distribution;
  /** From the zoo's start to the first GPU job, and from the last GPU job to the zoo's result. */
  headSeconds: number;
  tailSeconds: number;
  /** Busy GPU time over W x makespan. */
  gpuBusyFraction: number;
  /** Idle GPU time between a process's consecutive jobs, summed over processes. */
  gpuGapSeconds: number;
  /** The gaps themselves. */
  gapSeconds: Distribution;
  /**
   * The gaps split: waiting for a search to be queued at all (the CPU stages and workflow
   * tasks upstream were behind) vs from its queueing to its start on this GPU (dispatch:
   * the poll after a slot frees, matching).
   */
  gapStarvedSeconds: number;
  gapDispatchSeconds: number;
  /** How long a GPU job held its slot beyond D (loading inputs, storing the result). */
  jobOverSeconds: number;
  jobsPerWorker: number[];
}

export function analyseZoo(t: ZooRunTimes): ZooAnalysis {
  const gpuOf = new Map(t.gpuJobs.map((j) => [j.workflowId, j]));
  const pre: number[] = [];
  const post: number[] = [];
  for (const c of t.children) {
    const j = gpuOf.get(c.workflowId);
    if (!j) continue;
    pre.push((j.start - c.start) / 1000);
    post.push((c.close - j.end) / 1000);
  }
  const preSeconds = pre.length ? Math.max(0, Math.min(...pre)) : 0;
  const postSeconds = post.length ? Math.max(0, Math.min(...post)) : 0;
  const makespanSeconds = (t.zooEnd - t.zooStart) / 1000;
  const idealSeconds = idealMakespan({ targets: t.children.length, workers: t.workers, gpuSeconds: t.gpuSeconds, preSeconds, postSeconds });

  const jobsPerWorker = Array.from({ length: t.workers }, () => 0);
  const gaps: number[] = [];
  let starved = 0;
  let dispatch = 0;
  const byWorker = new Map<number, GpuSpan[]>();
  for (const j of t.gpuJobs) {
    jobsPerWorker[j.worker] = (jobsPerWorker[j.worker] ?? 0) + 1;
    byWorker.set(j.worker, [...(byWorker.get(j.worker) ?? []), j]);
  }
  for (const jobs of byWorker.values()) {
    jobs.sort((a, b) => a.start - b.start);
    for (let i = 1; i < jobs.length; i++) {
      const [prev, next] = [jobs[i - 1]!, jobs[i]!];
      gaps.push((next.start - prev.end) / 1000);
      const queued = Math.min(Math.max(next.scheduled, prev.end), next.start);
      starved += (queued - prev.end) / 1000;
      dispatch += (next.start - queued) / 1000;
    }
  }
  const busy = t.gpuJobs.reduce((a, j) => a + (j.end - j.start) / 1000, 0);
  const firstGpu = Math.min(...t.gpuJobs.map((j) => j.start));
  const lastGpu = Math.max(...t.gpuJobs.map((j) => j.end));
  return {
    targets: t.children.length,
    makespanSeconds,
    idealSeconds,
    ratio: makespanSeconds / idealSeconds,
    preSeconds,
    postSeconds,
    targetsPerSecond: t.children.length / makespanSeconds,
    idealTargetsPerSecond: t.workers / t.gpuSeconds,
    latencySeconds: distribution(t.children.map((c) => (c.close - c.start) / 1000)),
    headSeconds: (firstGpu - t.zooStart) / 1000,
    tailSeconds: (t.zooEnd - lastGpu) / 1000,
    gpuBusyFraction: busy / (t.workers * makespanSeconds),
    gpuGapSeconds: gaps.reduce((a, b) => a + b, 0),
    gapSeconds: distribution(gaps),
    gapStarvedSeconds: starved,
    gapDispatchSeconds: dispatch,
    jobOverSeconds: median(t.gpuJobs.map((j) => (j.end - j.start) / 1000)) - t.gpuSeconds,
    jobsPerWorker,
  };
}

/** Targets finished over time, measured (from the children's close times) and ideal (W more every D once the pipeline is full). */
export function finishedOverTime(t: ZooRunTimes, a: Pick<ZooAnalysis, 'preSeconds' | 'postSeconds'>): Row[] {
  const rows: Row[] = [{ series: 'measured', seconds: 0, finished: 0 }];
  const closes = t.children.map((c) => (c.close - t.zooStart) / 1000).sort((x, y) => x - y);
  closes.forEach((s, i) => rows.push({ series: 'measured', seconds: round(s), finished: i + 1 }));
  rows.push({ series: 'measured', seconds: round((t.zooEnd - t.zooStart) / 1000), finished: closes.length });
  rows.push({ series: 'ideal', seconds: 0, finished: 0 });
  const waves = Math.ceil(closes.length / t.workers);
  for (let k = 1; k <= waves; k++) {
    rows.push({ series: 'ideal', seconds: round(a.preSeconds + k * t.gpuSeconds + a.postSeconds), finished: Math.min(k * t.workers, closes.length) });
  }
  return rows;
}

const round = (s: number) => Math.round(s * 1000) / 1000;
