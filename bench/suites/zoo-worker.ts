/**
 * One worker process of the orchestration bench's zoo, forked by
 * zoo-processes.ts (`node --import tsx bench/suites/zoo-worker.ts '<config>'`):
 * - role `gpu`: seam-gpu only, one slot (one simulated GPU), searchMasks simulated;
 * - role `cpu`: seam-cpu's real light stages, and its workflow tasks too when
 *   there is no `workflows` process;
 * - role `workflows`: seam-cpu's workflow tasks only (no TF.js, no activity
 *   blocking its event loop), with the bundle the parent wrote once.
 * Talks to the parent over the IPC channel: `ready`, one `gpu-job` per search;
 * stops on `stop` or when the parent goes away.
 */
import { NativeConnection } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { FsArtifactStore } from '../../infra/artifacts/index.js';
import { disposeBackend, initBackend } from '../../infra/backend/index.js';
import { installTemporalLogging } from '../../infra/temporal/runtime-logging.js';
import { createSeamWorkers } from '../../workers/seam-worker.js';
import { simulatedSearchMasks, type GpuJob } from './zoo-sim-search.js';

export interface ZooWorkerConfig {
  role: 'gpu' | 'cpu' | 'workflows';
  index: number;
  address: string;
  namespace: string;
  storeDir: string;
  gpuSeconds: number;
  /** roles cpu (when it runs workflow tasks) and workflows: the workflow bundle's code file. */
  bundlePath?: string;
  cpuSlots?: number;
  /** role cpu: leave the workflow tasks to the `workflows` processes. */
  activitiesOnly?: boolean;
}

export type ZooWorkerMessage = { type: 'ready'; role: ZooWorkerConfig['role']; index: number; pid: number } | { type: 'gpu-job'; index: number; job: GpuJob };

const send = (m: ZooWorkerMessage) => process.send?.(m);

async function main(cfg: ZooWorkerConfig): Promise<void> {
  installTemporalLogging('error');
  const store = new FsArtifactStore(cfg.storeDir);
  const backend = cfg.role === 'cpu' ? (await initBackend()).name : 'simulated-gpu';
  const connection = await NativeConnection.connect({ address: cfg.address });
  const common = { connection, namespace: cfg.namespace, store, backend };
  const workers =
    cfg.role === 'gpu'
      ? await createSeamWorkers({
          ...common,
          queues: ['gpu'],
          gpuSlots: 1,
          activities: {
            ...createActivities({ store, backend }),
            searchMasks: simulatedSearchMasks(store, cfg.gpuSeconds, (job) => send({ type: 'gpu-job', index: cfg.index, job })),
          },
        })
      : await createSeamWorkers({
          ...common,
          queues: ['cpu'],
          cpuSlots: cfg.cpuSlots,
          cpuServes: cfg.role === 'workflows' ? 'workflow-tasks' : cfg.activitiesOnly ? 'activities' : 'both',
          workflowBundle: { codePath: cfg.bundlePath! },
        });
  const running = workers.run();
  process.on('message', (m: { type?: string }) => m?.type === 'stop' && workers.shutdown());
  process.on('disconnect', () => workers.shutdown());
  send({ type: 'ready', role: cfg.role, index: cfg.index, pid: process.pid });
  try {
    await running;
  } finally {
    await connection.close();
    if (cfg.role === 'cpu') await disposeBackend();
  }
}

main(JSON.parse(process.argv[2]!) as ZooWorkerConfig).then(
  // The TF.js backends can keep threads alive: end explicitly.
  () => process.exit(0),
  (err: unknown) => {
    console.error(`[zoo-worker] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
