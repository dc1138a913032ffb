import { initBackend } from '../backend/index.js';
import type { SeamflowConfig } from '../config.js';
import { openArtifactStore } from '../artifacts/index.js';
import { createSeamWorkers, type SeamWorkers } from '../../workers/seam-worker.js';
import type { TemporalSession } from './connect.js';

/**
 * The embedded default: with no cluster configured, the command that submits
 * a run also serves both task queues in its own process, so one command runs
 * the whole pipeline on a laptop.
 */
export async function startEmbeddedWorkers(config: SeamflowConfig, temporal: TemporalSession): Promise<{ workers: SeamWorkers; done: Promise<void> }> {
  const backend = await initBackend();
  const workers = await createSeamWorkers({
    connection: temporal.nativeConnection,
    namespace: temporal.namespace,
    queues: ['cpu', 'gpu'],
    store: openArtifactStore(config),
    backend: backend.name,
  });
  return { workers, done: workers.run() };
}
