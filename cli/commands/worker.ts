import { parseArgs } from 'node:util';
import { intInRange, oneOf } from '../flags.js';
import { UsageError } from '../usage-error.js';

export const summary = 'Run a Temporal worker for the seam-gpu and/or seam-cpu task queues';

const HELP = `Usage: seamflow worker [--queues gpu,cpu] [options]

  --queues LIST        task queues to serve: gpu (search, training, attacks), cpu (sampling,
                       evaluation, export, reports, workflow tasks); default gpu,cpu
  --gpu-slots N        heavy activities at once on seam-gpu: one per GPU (default 1)
  --cpu-slots N        light activities at once on seam-cpu (default 2)
  --cpu-serves WHAT    on seam-cpu serve both (default), workflow-tasks or activities: a big zoo
                       runs best with workflow tasks in a process of their own, since TF.js
                       activities block the event loop that workflow tasks share
  --allow-cpu-for-gpu  serve seam-gpu without a GPU backend (laptops, CI)
  --metrics-port P     serve Prometheus /metrics on port P (default: a free port, printed)
  --metrics-host H     address for /metrics (default 127.0.0.1; 0.0.0.0 in a container so Prometheus can scrape it)

Connects to TEMPORAL_ADDRESS, or with none set to the embedded local dev server
(started if needed). Artifacts go to SEAMFLOW_S3_ENDPOINT, else the data folder.
Stops gracefully on SIGINT/SIGTERM: running activities get 20 s to finish.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      queues: { type: 'string', default: 'gpu,cpu' },
      'gpu-slots': { type: 'string' },
      'cpu-slots': { type: 'string' },
      'cpu-serves': { type: 'string' },
      'allow-cpu-for-gpu': { type: 'boolean', default: false },
      'metrics-port': { type: 'string' },
      'metrics-host': { type: 'string', default: '127.0.0.1' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const queues = values.queues.split(',').map((q) => q.trim());
  for (const q of queues) if (q !== 'gpu' && q !== 'cpu') throw new UsageError(`--queues: unknown queue "${q}" (expected gpu and/or cpu)`);
  const gpuSlots = intInRange('gpu-slots', values['gpu-slots'], 1, 64);
  const cpuSlots = intInRange('cpu-slots', values['cpu-slots'], 1, 256);
  const metricsPort = intInRange('metrics-port', values['metrics-port'], 1, 65535);
  const cpuServes = oneOf('cpu-serves', values['cpu-serves'], ['both', 'workflow-tasks', 'activities'] as const);
  if (cpuServes && !queues.includes('cpu')) throw new UsageError('--cpu-serves needs the cpu queue in --queues');

  const { loadConfig } = await import('../../infra/config.js');
  const { initBackend, disposeBackend } = await import('../../infra/backend/index.js');
  const { gpuQueueRefusal } = await import('../../workers/gpu-policy.js');
  const config = loadConfig();
  const backend = await initBackend();
  const refusal = gpuQueueRefusal(queues as ('gpu' | 'cpu')[], backend, values['allow-cpu-for-gpu']);
  if (refusal) throw new UsageError(refusal);

  const { openArtifactStore } = await import('../../infra/artifacts/index.js');
  const { openTemporal } = await import('../../infra/temporal/connect.js');
  const { createSeamWorkers } = await import('../../workers/seam-worker.js');
  const { startMetricsServer } = await import('../../infra/metrics/server.js');

  const temporal = await openTemporal(config);
  const metrics = await startMetricsServer({ port: metricsPort, host: values['metrics-host'] });
  try {
    const workers = await createSeamWorkers({
      connection: temporal.nativeConnection,
      namespace: temporal.namespace,
      queues: queues as ('gpu' | 'cpu')[],
      store: openArtifactStore(config),
      backend: backend.name,
      gpuSlots,
      cpuSlots,
      cpuServes,
    });
    console.log(`worker ready: Temporal ${temporal.address} (namespace ${temporal.namespace}), metrics ${metrics.url}`);
    const stop = () => workers.shutdown();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await workers.run();
    return 0;
  } finally {
    await metrics.close();
    await temporal.close();
    await disposeBackend();
  }
}
