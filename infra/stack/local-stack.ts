import { readCredentials } from './credentials.js';
import { launchStack, liveServices, probeServices, stopServices } from './stack-launch.js';
import { stackDir } from './stack-layout.js';
import { withStackLock } from './stack-lock.js';
import { readState, removeState, type StackState } from './state-file.js';

export interface LocalStackOptions {
  /** Seamflow data folder; the stack lives in `<dataDir>/stack/`. */
  dataDir: string;
  temporal?: boolean;
  s3?: boolean;
  namespace?: string;
  /** Bucket to create if missing. */
  bucket?: string;
  /** Temporal state in memory only (tests); S3 data always goes to disk. */
  ephemeral?: boolean;
  /** Serve Temporal's Web UI on a free loopback port (default true). */
  temporalUi?: boolean;
  timeoutMs?: number;
  /**
   * If a healthy stack (e.g. from `seamflow stack up`) already runs in this
   * folder with the requested services, use it instead of failing; its
   * `stop()` then leaves it running.
   */
  reuseRunning?: boolean;
}

export interface LocalS3 {
  endpoint: string;
  region: string;
  accessKey: string;
  secretKey: string;
  bucket?: string;
}

export interface LocalStack {
  dir: string;
  temporalAddress?: string;
  /** Temporal Web UI base URL (http://127.0.0.1:P), when the server serves one. */
  temporalUiUrl?: string;
  namespace: string;
  s3?: LocalS3;
  /** False when this handle reuses a stack someone else started. */
  owned: boolean;
  logFiles: { temporal?: string; s3?: string };
  /** Stops what this handle started and waits until its ports are closed; safe to call twice. */
  stop(): Promise<void>;
}

export class StackBusyError extends Error {
  override name = 'StackBusyError';
}

function handleFor(dir: string, state: StackState, owned: boolean, stop: () => Promise<void>): LocalStack {
  return {
    dir,
    temporalAddress: state.temporal?.address,
    temporalUiUrl: state.temporal?.uiUrl,
    namespace: state.temporal?.namespace ?? 'default',
    s3: state.s3 && {
      endpoint: state.s3.endpoint,
      region: state.s3.region,
      bucket: state.s3.bucket,
      ...readCredentials(state.s3.identityFile),
    },
    owned,
    logFiles: { temporal: state.temporal?.logFile, s3: state.s3?.logFile },
    stop,
  };
}

/**
 * Undefined when the running stack can serve this caller; else why not.
 * Only a detached stack (`seamflow stack up`) is shared between processes: an
 * embedded one dies with its owner, pulling the servers from under a second user.
 */
async function whyNotReusable(
  existing: StackState,
  live: Record<'temporal' | 's3', boolean>,
  want: { temporal: boolean; s3: boolean },
  opts: LocalStackOptions,
): Promise<string | undefined> {
  const running = `a local stack (${existing.mode}, started by pid ${existing.ownerPid}) already runs in ${stackDir(opts.dataDir)}`;
  if (!opts.reuseRunning) return running;
  if (existing.mode !== 'detached' && existing.ownerPid !== process.pid) return `${running}, owned by that process; \`seamflow stack up\` starts one that commands can share`;
  if ((want.temporal && !live.temporal) || (want.s3 && !live.s3)) return `${running} without all of the requested servers`;
  const ns = opts.namespace ?? 'default';
  if (want.temporal && existing.temporal && existing.temporal.namespace !== ns && ns !== 'default') {
    return `${running} for Temporal namespace "${existing.temporal.namespace}", not "${ns}"`;
  }
  const health = await probeServices(existing);
  if ((want.temporal && health.temporal !== true) || (want.s3 && health.s3 !== true)) {
    return `${running} but is not healthy (see \`seamflow stack status\`)`;
  }
  return undefined;
}

/**
 * Starts a Temporal dev server and/or SeaweedFS S3 server owned by this
 * process (they die with it) on free loopback ports.
 */
export function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  return withStackLock(stackDir(opts.dataDir), () => start(opts));
}

async function start(opts: LocalStackOptions): Promise<LocalStack> {
  const dir = stackDir(opts.dataDir);
  const want = { temporal: opts.temporal ?? true, s3: opts.s3 ?? true };

  const existing = readState(dir);
  if (existing) {
    const live = liveServices(existing);
    if (live.temporal || live.s3) {
      const why = await whyNotReusable(existing, live, want, opts);
      if (!why) return handleFor(dir, existing, false, async () => undefined);
      throw new StackBusyError(`${why}; stop it with \`seamflow stack down\` or use another data folder`);
    }
    await stopServices(existing); // stale: every recorded server is gone; this tidies what they left
    removeState(dir);
  }

  const { state } = await launchStack({
    dir,
    mode: 'embedded',
    temporal: want.temporal,
    s3: want.s3,
    namespace: opts.namespace,
    bucket: opts.bucket,
    ephemeral: opts.ephemeral,
    temporalUi: opts.temporalUi,
    timeoutMs: opts.timeoutMs ?? 60_000,
  });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      const report = await stopServices(state);
      const current = readState(dir);
      if (current?.ownerPid === process.pid && current.startedAt === state.startedAt) removeState(dir);
      if (report.openPorts.length > 0) throw new Error(`ports still open after stop: ${report.openPorts.join(', ')}`);
    })());
  return handleFor(dir, state, true, stop);
}
