import { isAlive } from './processes.js';
import { launchStack, liveServices, probeServices, stopServices, type StopReport } from './stack-launch.js';
import { StackBusyError } from './local-stack.js';
import { withStackLock } from './stack-lock.js';
import { readLastPorts, readState, removeState, writeLastPorts, type ServiceName, type StackState } from './state-file.js';

/**
 * The detached stack behind `seamflow stack up|status|down`: servers in their
 * own process groups that outlive the CLI, found again through the state file.
 */
export interface UpOptions {
  dir: string;
  temporal: boolean;
  s3: boolean;
  namespace?: string;
  bucket?: string;
  ports?: { temporal?: number; s3?: number };
  timeoutMs: number;
}

export type UpResult = { outcome: 'started' | 'already-running'; state: StackState };

export function stackUp(opts: UpOptions): Promise<UpResult> {
  return withStackLock(opts.dir, () => up(opts));
}

async function up(opts: UpOptions): Promise<UpResult> {
  const existing = readState(opts.dir);
  if (existing) {
    const live = liveServices(existing);
    const wanted = (!opts.temporal || existing.temporal) && (!opts.s3 || existing.s3);
    if (existing.mode === 'embedded' && isAlive(existing.ownerPid) && (live.temporal || live.s3)) {
      throw new StackBusyError(`an embedded stack of pid ${existing.ownerPid} runs in ${opts.dir}; it stops when that process ends`);
    }
    const allLive = (!existing.temporal || live.temporal) && (!existing.s3 || live.s3);
    if (allLive && wanted) {
      const health = await probeServices(existing);
      if (Object.values(health).every((h) => h === true)) return { outcome: 'already-running', state: existing };
    }
    // Stale or partial (a server died, or other services wanted): clear it and start afresh.
    await stopServices(existing);
    removeState(opts.dir);
  }
  const last = readLastPorts(opts.dir);
  const { state } = await launchStack({
    dir: opts.dir,
    mode: 'detached',
    temporal: opts.temporal,
    s3: opts.s3,
    namespace: opts.namespace,
    bucket: opts.bucket,
    // Explicit ports first, else last run's, so endpoints survive down/up when free.
    preferredPorts: { temporal: opts.ports?.temporal ?? last.temporal, s3: opts.ports?.s3 ?? last.s3 },
    timeoutMs: opts.timeoutMs,
  });
  writeLastPorts(opts.dir, { temporal: state.temporal?.ports.grpc, s3: state.s3?.ports.s3 });
  return { outcome: 'started', state };
}

export interface ServiceStatus {
  name: ServiceName;
  endpoint: string;
  pid: number;
  running: boolean;
  /** true, or why the health request failed. */
  health: true | string;
  logFile: string;
  /** Temporal's Web UI base URL, when its dev server serves one. */
  ui?: string;
}

export async function stackStatus(dir: string): Promise<{ state?: StackState; services: ServiceStatus[] }> {
  const state = readState(dir);
  if (!state) return { services: [] };
  const live = liveServices(state);
  const health = await probeServices(state);
  const services: ServiceStatus[] = [];
  if (state.temporal) {
    services.push({
      name: 'temporal',
      endpoint: state.temporal.address,
      pid: state.temporal.pid,
      running: live.temporal,
      health: live.temporal ? (health.temporal ?? 'not probed') : 'process not running',
      logFile: state.temporal.logFile,
      ...(state.temporal.uiUrl ? { ui: state.temporal.uiUrl } : {}),
    });
  }
  if (state.s3) {
    services.push({
      name: 's3',
      endpoint: state.s3.endpoint,
      pid: state.s3.pid,
      running: live.s3,
      health: live.s3 ? (health.s3 ?? 'not probed') : 'process not running',
      logFile: state.s3.logFile,
    });
  }
  return { state, services };
}

export type DownResult = { outcome: 'not-running' } | ({ outcome: 'stopped' } & StopReport);

export function stackDown(dir: string, graceMs = 10_000): Promise<DownResult> {
  return withStackLock(dir, () => down(dir, graceMs));
}

async function down(dir: string, graceMs: number): Promise<DownResult> {
  const state = readState(dir);
  if (!state) return { outcome: 'not-running' };
  const report = await stopServices(state, graceMs);
  if (report.openPorts.length > 0) {
    throw new Error(`stack stopped but ports still accept connections: ${report.openPorts.join(', ')}`);
  }
  removeState(dir);
  return { outcome: 'stopped', ...report };
}
