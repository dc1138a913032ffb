/**
 * The zoo part of `orchestration`: a zoo of N targets run as the real
 * zooWorkflow (children: reengineerWorkflow) on a local Temporal dev server,
 * with W gpu worker processes (one slot each, searchMasks simulated as a D s
 * GPU job), cpu worker processes (the real light stages on a tiny model and
 * synthetic data) and a workflow-task process, all on loopback, sharing one
 * filesystem store. An untimed warm-up zoo of W targets first warms every
 * process; then `repeats` measured zoos (the box is shared: one run can land
 * in a burst of other work). Measures makespan against the ideal
 * (zoo-makespan.ts).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { fileSystemHandler } from '../../engine/graph/fs-io.js';
import { startLocalStack } from '../../infra/stack/index.js';
import { readState } from '../../infra/stack/state-file.js';
import type { ZooResult, ZooSpec } from '../../infra/zoo/index.js';
import { workflowBundle } from '../../workers/seam-worker.js';
import { WORKFLOW_QUEUE } from '../../workflows/task-queues.js';
import { zooProgressQuery, zooWorkflow } from '../../workflows/zoo-workflow.js';
// The tiny conv net of the engine tests: the bench only needs some valid original model.
import { randomiseWeights, tinyConvNet } from '../../test/fixtures/engine/tiny-models.js';
import { say } from '../lib/progress.js';
import { BENCH_ZOO_CLASSES, benchZoo } from './zoo-bench-spec.js';
import { collectChildren } from './zoo-collect.js';
import { cpuDelta, cpuSnapshot, type CpuSeconds } from './zoo-cpu.js';
import type { TaskTimingRow } from './zoo-history.js';
import { analyseZoo, idealMakespan, medianIndex, type ZooAnalysis, type ZooRunTimes } from './zoo-makespan.js';
import type { OrchestrationOptions } from './orchestration-options.js';
import { startWorkerPool, type WorkerPool } from './zoo-processes.js';
import type { ZooWorkerConfig } from './zoo-worker.js';

export type ZooPartOptions = OrchestrationOptions['zoo'];

/** One measured zoo. */
export interface ZooRun {
  times: ZooRunTimes;
  analysis: ZooAnalysis;
  /** Queue wait and run time per activity / workflow task, from the children's histories. */
  tasks: TaskTimingRow[];
  /** Events in the zoo's last run's history (continue-as-new keeps it bounded). */
  zooHistoryEvents: number;
  completed: number;
  failed: number;
  maxRunning: number;
  generations: number;
  errors: string[];
  /** CPU seconds each kind of process used during the zoo (Linux), and the machine's load. */
  cpuSeconds: CpuSeconds;
  loadAverage: { before: number; after: number };
}

export interface ZooPartResult {
  options: ZooPartOptions;
  runs: ZooRun[];
  /** The run with the median makespan / ideal: the one reported in detail. */
  medianRun: number;
  warmupSeconds: number;
  startupSeconds: number;
  cores: number;
}

async function saveTinyModel(dir: string): Promise<string> {
  const model = tinyConvNet({ size: 8, channels: 3, classes: BENCH_ZOO_CLASSES, width: 8, softmax: true });
  randomiseWeights(model, 11, 0.3);
  await mkdir(dir, { recursive: true });
  await model.save(fileSystemHandler(dir));
  model.dispose();
  return dir;
}

/** Starts a zoo and waits for its result, saying how many targets are done every few seconds; fails fast if a worker process dies. */
async function runZoo(client: Client, pool: WorkerPool, workflowId: string, zoo: ZooSpec, progress: boolean): Promise<ZooResult> {
  const handle = await client.workflow.start(zooWorkflow, { taskQueue: WORKFLOW_QUEUE, workflowId, args: [zoo] });
  let last = -1;
  const tick = setInterval(() => {
    if (!progress) return;
    handle.query(zooProgressQuery).then(
      (p) => {
        const done = p.completed + p.failed;
        if (done !== last) say(`  ${done}/${p.total} targets done (${p.running} running, generation ${p.generation})`);
        last = done;
      },
      () => undefined, // between runs of a continue-as-new chain
    );
  }, 5000);
  // If a worker dies, the wait for the result is cancelled too: a call left running would throw once the connection closes.
  const waiting = new AbortController();
  const result = client.withAbortSignal(waiting.signal, () => handle.result());
  result.catch(() => undefined);
  try {
    return await Promise.race([result, pool.died]);
  } finally {
    clearInterval(tick);
    waiting.abort();
  }
}

/** One measured zoo: its timings from the workers and the server, and what the processes spent. */
async function measureZoo(client: Client, pool: WorkerPool, serverPid: number | undefined, workflowId: string, zoo: ZooSpec, o: ZooPartOptions): Promise<ZooRun> {
  pool.gpuJobs.length = 0;
  const load0 = os.loadavg()[0]!;
  const cpu0 = cpuSnapshot(pool, serverPid);
  const zooStart = Date.now();
  const result = await runZoo(client, pool, workflowId, zoo, true);
  const zooEnd = Date.now();
  const cpuSeconds = cpuDelta(cpu0, cpuSnapshot(pool, serverPid));
  const loadAverage = { before: load0, after: os.loadavg()[0]! };
  const { children, tasks } = await collectChildren(client, result.results.map((x) => x.workflowId));
  const times: ZooRunTimes = { zooStart, zooEnd, children, gpuJobs: [...pool.gpuJobs], workers: o.workers, gpuSeconds: o.gpuSeconds };
  const analysis = analyseZoo(times);
  say(`makespan ${analysis.makespanSeconds.toFixed(1)} s, ideal ${analysis.idealSeconds.toFixed(1)} s: ratio ${analysis.ratio.toFixed(3)} (goal <= 1.10)`);
  return {
    times,
    analysis,
    tasks,
    zooHistoryEvents: (await client.workflow.getHandle(workflowId).describe()).historyLength,
    completed: result.completed,
    failed: result.failed,
    maxRunning: result.maxRunning,
    generations: result.generations,
    errors: [...new Set(result.results.filter((x) => x.error).map((x) => x.error!))],
    cpuSeconds,
    loadAverage,
  };
}

export async function runZooPart(o: ZooPartOptions): Promise<ZooPartResult> {
  const waves = Math.ceil(o.targets / o.workers);
  say(
    `zoo: ${o.targets} targets over ${o.workers} gpu worker processes (+${o.cpuWorkers} cpu, ${o.workflowWorkers} workflow-task), ${o.gpuSeconds} s per GPU job, concurrency ${o.concurrency}; ` +
      `ideal >= ${waves} x ${o.gpuSeconds} s = ${idealMakespan({ targets: o.targets, workers: o.workers, gpuSeconds: o.gpuSeconds })} s plus one target's CPU stages; ` +
      `${o.repeats} run(s); budget about ${Math.round(40 + o.gpuSeconds + o.repeats * (10 + waves * o.gpuSeconds * 1.1))} s with start-up and a ${o.workers}-target warm-up`,
  );
  const t0 = performance.now();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'seamflow-bench-zoo-'));
  const stack = await startLocalStack({ dataDir: dir, temporal: true, s3: false, ephemeral: true, temporalUi: false });
  let pool: WorkerPool | undefined;
  let connection: Connection | undefined;
  try {
    const modelDir = await saveTinyModel(path.join(dir, 'model'));
    // Bundle once here; every process that runs workflow tasks loads the same file.
    const bundlePath = path.join(dir, 'workflows.bundle.js');
    await writeFile(bundlePath, (await workflowBundle()).code);
    const common = { address: stack.temporalAddress!, namespace: stack.namespace, storeDir: path.join(dir, 'store'), gpuSeconds: o.gpuSeconds };
    const configs: ZooWorkerConfig[] = [
      ...Array.from({ length: o.workflowWorkers }, (_, index): ZooWorkerConfig => ({ ...common, role: 'workflows', index, bundlePath })),
      ...Array.from({ length: o.cpuWorkers }, (_, index): ZooWorkerConfig => ({ ...common, role: 'cpu', index, bundlePath, cpuSlots: o.cpuSlots, activitiesOnly: o.workflowWorkers > 0 })),
      ...Array.from({ length: o.workers }, (_, index): ZooWorkerConfig => ({ ...common, role: 'gpu', index })),
    ];
    say(`starting ${configs.length} worker processes`);
    pool = await startWorkerPool(configs);
    connection = await Connection.connect({ address: stack.temporalAddress! });
    const client = new Client({ connection, namespace: stack.namespace });
    const startupSeconds = (performance.now() - t0) / 1000;
    // Seeds of their own per zoo: nothing of an earlier zoo comes from the store.
    const zooOf = (name: string, targets: number, concurrency: number, seedBase: number) =>
      benchZoo({ name, targets, modelDir, concurrency, continueAsNewAfter: o.continueAsNewAfter, seedBase });

    const w0 = performance.now();
    say(`warm-up zoo of ${o.workers} targets (untimed)`);
    await runZoo(client, pool, 'bench-zoo-warmup', zooOf('warmup', o.workers, o.workers, 1_000_000), false);
    const warmupSeconds = (performance.now() - w0) / 1000;

    const serverPid = readState(stack.dir)?.temporal?.pid;
    const runs: ZooRun[] = [];
    for (let r = 1; r <= o.repeats; r++) {
      say(`zoo of ${o.targets} targets${o.repeats > 1 ? ` (${r} of ${o.repeats})` : ''}`);
      runs.push(await measureZoo(client, pool, serverPid, `bench-zoo-${r}`, zooOf('bench', o.targets, o.concurrency, r * 10_000), o));
    }
    return { options: o, runs, medianRun: medianIndex(runs.map((x) => x.analysis.ratio)), warmupSeconds, startupSeconds, cores: os.cpus().length };
  } finally {
    await pool?.stop();
    await connection?.close();
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
