import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process-wide Prometheus registry and seamflow's own metrics. Activities,
 * workers and the embedded CLI mode all record here; `/metrics` serves it.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'seamflow_' });

export const stageDuration = new Histogram({
  name: 'seamflow_stage_duration_seconds',
  help: 'Wall time of one pipeline stage (activity attempt), by stage, model and outcome',
  labelNames: ['stage', 'model', 'outcome'] as const,
  buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600],
  registers: [registry],
});

export const searchEpoch = new Gauge({
  name: 'seamflow_search_epoch',
  help: 'Current epoch of a running mask search',
  labelNames: ['run'] as const,
  registers: [registry],
});

export const searchLoss = new Gauge({
  name: 'seamflow_search_loss',
  help: 'Latest training loss of a running mask search',
  labelNames: ['run'] as const,
  registers: [registry],
});

export const searchWrr = new Gauge({
  name: 'seamflow_search_wrr',
  help: 'Latest weight retention rate of a running mask search',
  labelNames: ['run'] as const,
  registers: [registry],
});

export const activityAttempts = new Counter({
  name: 'seamflow_activity_attempts_total',
  help: 'Activity attempts by activity and result (ok, retryable, non_retryable, cancelled)',
  labelNames: ['activity', 'result'] as const,
  registers: [registry],
});

export const artifactBytes = new Counter({
  name: 'seamflow_artifact_bytes_total',
  help: 'Artifact bytes moved through the store, by direction (read, written) and store kind',
  labelNames: ['direction', 'store'] as const,
  registers: [registry],
});

export const busySlots = new Gauge({
  name: 'seamflow_worker_busy_slots',
  help: 'Activity slots in use per task queue',
  labelNames: ['queue'] as const,
  registers: [registry],
});
