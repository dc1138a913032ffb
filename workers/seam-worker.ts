import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, Worker, type NativeConnection, type WorkflowBundleOption, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities, type SeamActivities } from '../activities/index.js';
import type { ArtifactStore } from '../infra/artifacts/index.js';
import { logger } from '../infra/log.js';
import { busySlots } from '../infra/metrics/registry.js';
import { TASK_QUEUES, type QueueKind } from '../workflows/task-queues.js';

const log = logger('worker');
export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

let bundled: Promise<WorkflowBundleWithSourceMap> | undefined;
/** Bundling takes seconds: once per process. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundled ??= bundleWorkflowCode({ workflowsPath, logger: { log() {}, trace() {}, debug() {}, info() {}, warn: (m) => log.warn(m), error: (m) => log.error(m) } });
  return bundled;
}

export interface SeamWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  queues: QueueKind[];
  store: ArtifactStore;
  backend: string;
  /** Heavy activities at once on the gpu queue: one per GPU (the resource tuner cannot see GPUs). */
  gpuSlots?: number;
  cpuSlots?: number;
  /** A bundle made elsewhere (e.g. written to a file by a parent process that starts several workers). */
  workflowBundle?: WorkflowBundleOption;
  /** Stand-ins for the real activities (the orchestration bench's simulated GPU search). */
  activities?: SeamActivities;
  /**
   * What the `cpu` worker serves: both (default), or only workflow tasks / only light
   * activities. Split, workflow tasks run in a process whose event loop no activity blocks
   * (TF.js ops are synchronous), which keeps a big zoo moving.
   */
  cpuServes?: 'both' | 'workflow-tasks' | 'activities';
}

export interface SeamWorkers {
  workers: Worker[];
  /** Resolves when every worker has stopped (after shutdown()). */
  run(): Promise<void>;
  shutdown(): void;
}

/**
 * One Temporal worker per requested queue in this process: `cpu` also runs
 * the workflow tasks (see `cpuServes`); `gpu` runs only the heavy activities,
 * `gpuSlots` at once.
 */
export async function createSeamWorkers(opts: SeamWorkerOptions): Promise<SeamWorkers> {
  const activities = opts.activities ?? createActivities({ store: opts.store, backend: opts.backend });
  const workers: Worker[] = [];
  for (const kind of opts.queues) {
    const taskQueue = TASK_QUEUES[kind];
    const slots = kind === 'gpu' ? (opts.gpuSlots ?? 1) : (opts.cpuSlots ?? 2);
    const serves = kind === 'cpu' ? (opts.cpuServes ?? 'both') : 'activities';
    workers.push(
      await Worker.create({
        connection: opts.connection,
        namespace: opts.namespace,
        taskQueue,
        // A worker without activities polls no activity tasks, one without a bundle no workflow tasks.
        ...(serves !== 'workflow-tasks' ? { activities } : {}),
        ...(serves !== 'activities' ? { workflowBundle: opts.workflowBundle ?? (await workflowBundle()) } : {}),
        maxConcurrentActivityTaskExecutions: slots,
        shutdownGraceTime: '20 seconds',
        // Heartbeats carry the live search progress (CLI bar, dashboard): flush them every 2 s
        // rather than the SDK's default of up to a minute.
        maxHeartbeatThrottleInterval: '2 seconds',
        defaultHeartbeatThrottleInterval: '2 seconds',
        interceptors: {
          activity: [
            () => ({
              inbound: {
                async execute(input, next) {
                  busySlots.inc({ queue: taskQueue });
                  try {
                    return await next(input);
                  } finally {
                    busySlots.dec({ queue: taskQueue });
                  }
                },
              },
            }),
          ],
        },
      }),
    );
    log.info(
      serves === 'workflow-tasks'
        ? `serving ${taskQueue} workflow tasks only`
        : `serving ${taskQueue} with ${slots} activity slot(s)${serves === 'both' ? ' and workflow tasks' : ''}`,
    );
  }
  return {
    workers,
    run: () => Promise.all(workers.map((w) => w.run())).then(() => undefined),
    // The SDK also starts draining on SIGINT/SIGTERM: shut down only what still runs.
    shutdown: () => workers.forEach((w) => w.getState() === 'RUNNING' && w.shutdown()),
  };
}
