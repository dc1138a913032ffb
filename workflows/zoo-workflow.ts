// Deterministic workflow code: runs in Temporal's sandbox, so it imports types and pure functions only.
import { CancellationScope, condition, continueAsNew, defineQuery, executeChild, isCancellation, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { SeamActivities } from '../activities/index.js';
import { childRunId, planZoo, type ZooJob } from '../infra/zoo/zoo-plan.js';
import type { ZooCarriedRow, ZooCarry, ZooChildResult, ZooProgress, ZooResult, ZooSpec } from '../infra/zoo/zoo-spec.js';
import type { reengineerWorkflow } from './reengineer-workflow.js';
import { TASK_QUEUES, WORKFLOW_QUEUE } from './task-queues.js';
import type { RunProgress } from './types.js';

export const zooProgressQuery = defineQuery<ZooProgress>('zooProgress');

const retry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 8 };

/**
 * A zoo: one reengineerWorkflow child per model x target, at most
 * `zoo.concurrency` at once. A failed child is a failed row, not a failed
 * zoo. After starting `zoo.continueAsNewAfter` children (or when Temporal
 * suggests it) the run drains its children and continues as new, carrying
 * only the cursor and the finished rows (keys and numbers). At the end,
 * `writeLeaderboard` stores zoos/<zoo id>/leaderboard.{json,md}.
 */
export async function zooWorkflow(zoo: ZooSpec, carry?: ZooCarry): Promise<ZooResult> {
  const info = workflowInfo();
  const zooId = info.workflowId;
  const jobs = planZoo(zoo);
  const state: ZooCarry = carry ?? { next: 0, results: [], maxRunning: 0, generation: 1, startedAt: new Date().toISOString() };
  const running = new Map<number, string>();
  const progress = (): ZooProgress => ({
    zooId,
    name: zoo.name,
    status: leaderboardKey ? 'completed' : state.next >= jobs.length && running.size === 0 ? 'writing-leaderboard' : 'running',
    total: jobs.length,
    started: state.next,
    running: running.size,
    completed: state.results.filter((r) => r.status === 'completed').length,
    failed: state.results.filter((r) => r.status !== 'completed').length,
    maxRunning: state.maxRunning,
    concurrency: zoo.concurrency,
    generation: state.generation,
    runningIds: [...running.values()],
    ...(leaderboardKey ? { leaderboardKey } : {}),
  });
  let leaderboardKey: string | undefined;
  setHandler(zooProgressQuery, progress);

  async function runChild(job: ZooJob): Promise<void> {
    const workflowId = childRunId(zooId, job);
    const t0 = Date.now();
    const row: ZooCarriedRow = { index: job.index, model: job.model, target: job.target, status: 'failed' };
    running.set(job.index, workflowId);
    state.maxRunning = Math.max(state.maxRunning, running.size);
    try {
      const out = await executeChild<typeof reengineerWorkflow>('reengineerWorkflow', { workflowId, taskQueue: WORKFLOW_QUEUE, args: [job.spec] });
      Object.assign(row, numbersOf(out), { status: 'completed' });
    } catch (err) {
      // The zoo itself was cancelled: stop (children are cancelled with it).
      if (CancellationScope.current().consideredCancelled) throw err;
      row.status = isCancelled(err) ? 'cancelled' : 'failed';
      row.error = rootMessage(err).slice(0, 240);
    } finally {
      running.delete(job.index);
      row.seconds = (Date.now() - t0) / 1000;
      state.results.push(row);
    }
  }

  const inflight: Promise<void>[] = [];
  let startedHere = 0;
  let cancelled: unknown;
  try {
    while (state.next < jobs.length) {
      if (startedHere >= zoo.continueAsNewAfter) break;
      await condition(() => running.size < zoo.concurrency);
      if (startedHere > 0 && workflowInfo().continueAsNewSuggested) break;
      const job = jobs[state.next]!;
      state.next++;
      startedHere++;
      inflight.push(runChild(job));
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    cancelled = err;
  }
  // On cancellation too: wait until every child has finished cancelling (its search saves a
  // checkpoint) rather than closing at once, which would terminate them.
  const settled = await Promise.allSettled(inflight);
  if (cancelled) throw cancelled;
  for (const s of settled) if (s.status === 'rejected') throw s.reason;
  if (state.next < jobs.length) {
    // Drained: nothing of this run is in flight, so the continuation owns every remaining job.
    await continueAsNew<typeof zooWorkflow>(zoo, { ...state, results: [...state.results].sort((a, b) => a.index - b.index), generation: state.generation + 1 });
  }

  // Full rows again: mode, classes and child id come from the plan.
  const results: ZooChildResult[] = [...state.results]
    .sort((a, b) => a.index - b.index)
    .map((r) => {
      const job = jobs[r.index]!;
      return { ...r, mode: job.spec.target.mode, classes: job.spec.target.classes, workflowId: childRunId(zooId, job) };
    });
  const cpu = proxyActivities<SeamActivities>({ taskQueue: TASK_QUEUES.cpu, startToCloseTimeout: '10 minutes', retry });
  const keys = await cpu.writeLeaderboard({
    zooId,
    zooName: zoo.name,
    concurrency: zoo.concurrency,
    maxRunning: state.maxRunning,
    generations: state.generation,
    startedAt: state.startedAt,
    finishedAt: new Date().toISOString(),
    rows: results,
  });
  leaderboardKey = keys.leaderboardKey;
  return {
    zooId,
    name: zoo.name,
    total: jobs.length,
    completed: results.filter((r) => r.status === 'completed').length,
    failed: results.filter((r) => r.status !== 'completed').length,
    maxRunning: state.maxRunning,
    generations: state.generation,
    leaderboardKey: keys.leaderboardKey,
    markdownKey: keys.markdownKey,
    results,
  };
}

/** The leaderboard numbers from a finished child's stage summaries. */
function numbersOf(p: RunProgress): Partial<ZooCarriedRow> {
  const summary = (name: string) => p.stages.find((s) => s.stage === name)?.summary ?? {};
  const n = (v: unknown) => (typeof v === 'number' ? v : undefined);
  const out: Partial<ZooCarriedRow> = {};
  const set = <K extends keyof ZooCarriedRow>(k: K, v: ZooCarriedRow[K] | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set('reportKey', p.reportKey);
  set('originalAccuracy', n(summary('evaluateOriginal').accuracy));
  set('accuracy', n(summary('evaluateReengineered').accuracy));
  set('wrr', n(summary('evaluateReengineered').wrr));
  set('compactParams', n(summary('exportModel').compactParams));
  set('compactFlops', n(summary('exportModel').compactFlops));
  return out;
}

function isCancelled(err: unknown): boolean {
  let e: unknown = err;
  while (e instanceof Error) {
    if (e.name === 'CancelledFailure') return true;
    e = e.cause;
  }
  return false;
}

/** A child's failure arrives wrapped (ChildWorkflowFailure > ActivityFailure > ApplicationFailure): the innermost message says why. */
function rootMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}
