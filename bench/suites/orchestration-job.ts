/**
 * The job part of `orchestration`: what running through Temporal costs. The same small
 * re-engineering job (shared ResNet-20, CIFAR-10 "cat vs rest", every stage:
 * data, original scores, mask search, re-engineered scores, masked + compact
 * export) runs directly through the engine and as a reengineerWorkflow on a
 * local dev server with in-process workers and a fresh filesystem store
 * (no stage cache), interleaved, in one process. Goal: ratio <= 1.02 on a job
 * of several minutes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { loadDataset } from '../../engine/data/load.js';
import { makeTargetProblem } from '../../engine/data/target.js';
import { buildExports } from '../../engine/export/index.js';
import { loadGraph } from '../../engine/graph/import.js';
import { reengineer } from '../../engine/reengineer.js';
import { maskDefaults } from '../../engine/search/defaults.js';
import type { SearchSettings } from '../../engine/search/search.js';
import { FsArtifactStore } from '../../infra/artifacts/index.js';
import type { BackendChoice } from '../../infra/backend/index.js';
import { cifar10CacheDir } from '../../infra/datasets/cache-dir.js';
import { ensureCifar10 } from '../../infra/datasets/cifar10.js';
import { startLocalStack } from '../../infra/stack/index.js';
import { installTemporalLogging } from '../../infra/temporal/runtime-logging.js';
import { createSeamWorkers } from '../../workers/seam-worker.js';
import { reengineerWorkflow } from '../../workflows/reengineer-workflow.js';
import { WORKFLOW_QUEUE } from '../../workflows/task-queues.js';
import { fmt, seconds, table } from '../lib/format.js';
import { say } from '../lib/progress.js';
import { median } from '../lib/stats.js';
import { resnet20Dir } from '../lib/workload.js';

const TARGET = 3;

export interface JobPartOptions {
  limit: number;
  epochs: number;
  repeats: number;
  backend: BackendChoice;
}

export interface JobPartResult extends Omit<JobPartOptions, 'backend'> {
  backend: BackendChoice;
  direct: number[];
  workflow: number[];
  ratio: number;
}

export async function runJobPart(o: JobPartOptions): Promise<JobPartResult> {
  const { limit, epochs, repeats, backend } = o;
  const modelDir = resnet20Dir();
  const dataDir = cifar10CacheDir();
  await ensureCifar10(dataDir);
  const data = `cifar10:${dataDir}`;
  const defaults = maskDefaults('resnet20', 'cifar10', 'binary');
  const settings: SearchSettings = {
    granularity: 'weight', head: 'appended', alpha: defaults.alpha, lrMask: defaults.lrMask, lrHead: 0.1,
    epochs, batchSize: 64, seed: 0, augment: true,
  };
  say(`orchestration: ${repeats} x (direct, workflow), limit ${limit} images per split, ${epochs} epochs, backend ${backend.name}`);

  installTemporalLogging('error');
  const stackDir = await mkdtemp(path.join(os.tmpdir(), 'seamflow-bench-orch-'));
  // Headless, as when the earlier results were measured: nobody looks at the Web UI here.
  const stack = await startLocalStack({ dataDir: stackDir, temporal: true, s3: false, ephemeral: true, temporalUi: false });
  const connection = await Connection.connect({ address: stack.temporalAddress! });
  const native = await NativeConnection.connect({ address: stack.temporalAddress! });
  const client = new Client({ connection, namespace: stack.namespace });
  const direct: number[] = [];
  const workflow: number[] = [];
  const runDirect = async (lim: number, eps: number) => {
    const graph = await loadGraph(modelDir);
    const problem = makeTargetProblem(await loadDataset(data, { limit: lim }), { mode: 'binary', classes: [TARGET], seed: 0 });
    const result = await reengineer(graph, problem, { settings: { ...settings, epochs: eps } });
    buildExports({ graph, masks: result.search.masks, head: result.search.head });
  };
  let round = 0;
  const runWorkflow = async (lim: number, eps: number) => {
    // A fresh store each time: every stage is computed, nothing comes from the cache.
    const store = new FsArtifactStore(path.join(stackDir, `store-${round++}`));
    const workers = await createSeamWorkers({ connection: native, namespace: stack.namespace, queues: ['cpu', 'gpu'], store, backend: backend.name });
    const running = workers.run();
    try {
      await client.workflow.execute(reengineerWorkflow, {
        taskQueue: WORKFLOW_QUEUE,
        workflowId: `bench-orch-${Date.now()}-${round}`,
        args: [{ model: modelDir, data, target: { mode: 'binary', classes: [TARGET] }, settings: { ...settings, epochs: eps }, limit: lim }],
      });
    } finally {
      workers.shutdown();
      await running;
    }
  };
  const timed = async (fn: () => Promise<void>) => {
    const t0 = performance.now();
    await fn();
    return (performance.now() - t0) / 1000;
  };
  try {
    // Warm-up, untimed: backend kernels, the workflow bundle, the dataset's file cache.
    say('warm-up (untimed)');
    await runDirect(200, 1);
    await runWorkflow(200, 1);
    for (let i = 0; i < repeats; i++) {
      // Alternate which goes first, so drift in machine load falls on both sides.
      const order = i % 2 === 0 ? (['direct', 'workflow'] as const) : (['workflow', 'direct'] as const);
      for (const which of order) {
        say(`round ${i + 1}: ${which}`);
        if (which === 'direct') direct.push(await timed(() => runDirect(limit, epochs)));
        else workflow.push(await timed(() => runWorkflow(limit, epochs)));
      }
    }
  } finally {
    await connection.close();
    await native.close();
    await stack.stop();
    await rm(stackDir, { recursive: true, force: true });
  }
  const ratio = median(workflow) / median(direct);
  return { limit, epochs, repeats, backend, direct, workflow, ratio };
}

export function jobMarkdown(r: JobPartResult): string {
  const rows = r.direct.map((d, i) => [i + 1, seconds(d), seconds(r.workflow[i]!), fmt(r.workflow[i]! / d, 3)]);
  return [
    '## One job: direct vs workflow',
    '',
    `The same job (shared ResNet-20, CIFAR-10 class ${TARGET} vs rest, at most ${r.limit} images per split, ${r.epochs} epochs, ` +
      `every stage incl. masked + compact export) directly through the engine and as a \`reengineerWorkflow\` ` +
      `(local Temporal dev server, in-process workers, fresh filesystem store each round), after an untimed warm-up of both, interleaved (alternating order) in one process on ${r.backend.name} (${r.backend.detail}).`,
    '',
    table(['round', 'direct', 'workflow', 'workflow / direct'], rows),
    '',
    `**Ratio of the medians (workflow / direct): ${fmt(r.ratio, 3)}** (goal <= 1.02 on a job of several minutes). The workflow also writes every ` +
      'stage output to the store (model bundle, problem, checkpoints each epoch, masks, both exports, report), which the direct run does not.',
  ].join('\n');
}
