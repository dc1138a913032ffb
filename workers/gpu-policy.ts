import type { BackendChoice } from '../infra/backend/index.js';
import type { QueueKind } from '../workflows/task-queues.js';

/** A GPU backend is tfjs-node-gpu; anything else would make seam-gpu work crawl on a CPU. */
export function isGpuBackend(choice: BackendChoice): boolean {
  return choice.name === 'tensorflow' && /gpu/i.test(choice.detail);
}

/** Why this process must not serve seam-gpu, or undefined when it may. */
export function gpuQueueRefusal(queues: QueueKind[], backend: BackendChoice, allowCpu: boolean): string | undefined {
  if (!queues.includes('gpu') || allowCpu || isGpuBackend(backend)) return undefined;
  return (
    `refusing to serve the gpu queue on the ${backend.name} backend (${backend.detail}): ` +
    'install a GPU backend (see README, "GPU workers"), serve --queues cpu only, or pass --allow-cpu-for-gpu'
  );
}
