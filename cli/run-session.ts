import { loadConfig, type SeamflowConfig } from '../infra/config.js';
import { openArtifactStore, type ArtifactStore } from '../infra/artifacts/index.js';
import { openTemporal, type TemporalSession } from '../infra/temporal/connect.js';

/**
 * What a run-related command needs: configuration, the artifact store and a
 * Temporal client (the configured cluster or the embedded dev server).
 * `withWorkers` also serves the task queues in-process when embedded, for
 * commands that must see a run through (reengineer, resume).
 */
export interface RunSession {
  config: SeamflowConfig;
  store: ArtifactStore;
  temporal: TemporalSession;
  close(): Promise<void>;
}

export async function openRunSession(opts: { withWorkers?: boolean } = {}): Promise<RunSession> {
  const config = loadConfig();
  const temporal = await openTemporal(config);
  let stopWorkers: (() => Promise<void>) | undefined;
  if (opts.withWorkers && temporal.embedded) {
    const { startEmbeddedWorkers } = await import('../infra/temporal/embedded-workers.js');
    const { disposeBackend } = await import('../infra/backend/index.js');
    const { startMetricsServer } = await import('../infra/metrics/server.js');
    const { logger } = await import('../infra/log.js');
    const { workers, done } = await startEmbeddedWorkers(config, temporal);
    const metrics = await startMetricsServer();
    logger('metrics').info(`Prometheus metrics of this run at ${metrics.url}`);
    stopWorkers = async () => {
      workers.shutdown();
      await done;
      await metrics.close();
      await disposeBackend();
    };
  }
  return {
    config,
    store: openArtifactStore(config),
    temporal,
    async close() {
      await stopWorkers?.();
      await temporal.close();
    },
  };
}
