import { mkdirSync } from 'node:fs';
import { stackBinary } from './binaries.js';
import { ensureCredentials, readCredentials } from './credentials.js';
import { waitPortsClosed } from './ports.js';
import { runsExecutable, stopProcessGroup, type ServerProcess } from './processes.js';
import { localS3Client, probeS3, removeSeaweedSockets, S3_REGION, s3Endpoint, seaweedServerSpec } from './seaweed-server.js';
import { launchServer, ServerStartError } from './server-launch.js';
import { stackLayout } from './stack-layout.js';
import { type ServiceName, type StackState, writeState } from './state-file.js';
import { probeTemporal, temporalAddress, temporalServerSpec, temporalUiUrl } from './temporal-server.js';

export interface LaunchOptions {
  dir: string;
  mode: StackState['mode'];
  temporal: boolean;
  s3: boolean;
  /** Temporal namespace to create and check (default "default"). */
  namespace?: string;
  /** S3 bucket to create if missing. */
  bucket?: string;
  /** Keep Temporal's state in memory only (tests). */
  ephemeral?: boolean;
  /** Serve Temporal's Web UI on a free loopback port (default true; the test helper turns it off unless asked). */
  temporalUi?: boolean;
  preferredPorts?: { temporal?: number; s3?: number };
  timeoutMs: number;
}

export interface Launched {
  state: StackState;
  processes: ServerProcess[];
}

/** Starts the requested servers in parallel, waits for both, records the state file. */
export async function launchStack(opts: LaunchOptions): Promise<Launched> {
  if (!opts.temporal && !opts.s3) throw new Error('nothing to start: enable temporal and/or s3');
  const L = stackLayout(opts.dir);
  // Resolve binaries first: a missing one fails before anything runs.
  const temporalExe = opts.temporal ? stackBinary('temporal') : undefined;
  const weedExe = opts.s3 ? stackBinary('weed') : undefined;
  const leash = opts.mode === 'embedded';
  const namespace = opts.namespace ?? 'default';

  const temporalStart = temporalExe
    ? (() => {
        mkdirSync(L.temporalDir, { recursive: true, mode: 0o700 });
        const spec = temporalServerSpec({
          exe: temporalExe,
          logFile: L.temporalLog,
          dbFile: opts.ephemeral ? undefined : L.temporalDb,
          preferredGrpcPort: opts.preferredPorts?.temporal,
          namespace,
          ui: opts.temporalUi ?? true,
        });
        return launchServer(spec, { leash, timeoutMs: opts.timeoutMs });
      })()
    : undefined;

  const credentials = weedExe ? (mkdirSync(L.s3Data, { recursive: true, mode: 0o700 }), ensureCredentials(L.s3Identity)) : undefined;
  const s3Start =
    weedExe && credentials
      ? launchServer(
          seaweedServerSpec({
            exe: weedExe,
            logFile: L.s3Log,
            dataDir: L.s3Data,
            identityFile: L.s3Identity,
            credentials,
            preferredS3Port: opts.preferredPorts?.s3,
          }),
          { leash, timeoutMs: opts.timeoutMs },
        )
      : undefined;

  const [t, s] = await Promise.allSettled([temporalStart, s3Start]);
  const started = [t, s].flatMap((r) => (r.status === 'fulfilled' && r.value ? [r.value.process] : []));
  const failures = [t, s].flatMap((r) => (r.status === 'rejected' ? [r.reason instanceof Error ? r.reason.message : String(r.reason)] : []));
  if (failures.length > 0) {
    await Promise.all(started.map((p) => stopProcessGroup(p.pid, 5000).catch(() => undefined)));
    throw new ServerStartError(failures.join('\n\n'));
  }
  const temporal = t.status === 'fulfilled' ? t.value : undefined;
  const s3 = s.status === 'fulfilled' ? s.value : undefined;

  const state: StackState = {
    version: 1,
    mode: opts.mode,
    ownerPid: process.pid,
    startedAt: new Date().toISOString(),
    temporal:
      temporal && temporalExe
        ? {
            pid: temporal.process.pid,
            exe: temporalExe,
            ports: temporal.ports,
            logFile: L.temporalLog,
            address: temporalAddress(temporal.ports),
            namespace,
            dbFile: opts.ephemeral ? undefined : L.temporalDb,
            uiUrl: temporalUiUrl(temporal.ports),
          }
        : undefined,
    s3:
      s3 && weedExe && credentials
        ? {
            pid: s3.process.pid,
            exe: weedExe,
            ports: s3.ports,
            logFile: L.s3Log,
            endpoint: s3Endpoint(s3.ports),
            region: S3_REGION,
            accessKey: credentials.accessKey,
            identityFile: L.s3Identity,
            bucket: opts.bucket,
          }
        : undefined,
  };
  try {
    if (state.s3 && opts.bucket && credentials) {
      const client = localS3Client(state.s3.endpoint, credentials);
      if (!(await client.bucketExists(opts.bucket))) await client.makeBucket(opts.bucket, S3_REGION);
    }
    writeState(opts.dir, state);
  } catch (err) {
    await stopServices(state, 5000);
    throw err;
  }
  return { state, processes: started };
}

/** Per service: is the recorded pid still our server? */
export function liveServices(state: StackState): Record<ServiceName, boolean> {
  return {
    temporal: Boolean(state.temporal && runsExecutable(state.temporal.pid, state.temporal.exe)),
    s3: Boolean(state.s3 && runsExecutable(state.s3.pid, state.s3.exe)),
  };
}

/** Health of each recorded service by a real request (undefined = not part of this stack). */
export async function probeServices(state: StackState): Promise<Partial<Record<ServiceName, string | true>>> {
  const out: Partial<Record<ServiceName, string | true>> = {};
  const timed = <T>(p: Promise<T>) =>
    Promise.race([p, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timed out')), 4000).unref())]);
  await Promise.all([
    state.temporal &&
      timed(probeTemporal(state.temporal.address, state.temporal.namespace, 3000)).then(
        () => (out.temporal = true),
        (e: unknown) => (out.temporal = e instanceof Error ? e.message : String(e)),
      ),
    state.s3 &&
      timed(probeS3(state.s3.endpoint, readCredentials(state.s3.identityFile))).then(
        () => (out.s3 = true),
        (e: unknown) => (out.s3 = e instanceof Error ? e.message : String(e)),
      ),
  ]);
  return out;
}

export interface StopReport {
  stopped: Partial<Record<ServiceName, 'not-running' | 'terminated' | 'killed'>>;
  /** Ports still accepting connections after the wait (should be empty). */
  openPorts: number[];
}

/** Stops every recorded server that is still ours, then waits for all their ports to close. */
export async function stopServices(state: StackState, graceMs = 10_000): Promise<StopReport> {
  const stopped: StopReport['stopped'] = {};
  const services = (['temporal', 's3'] as const).flatMap((name) => {
    const svc = state[name];
    return svc ? [{ name, svc }] : [];
  });
  await Promise.all(
    services.map(async ({ name, svc }) => {
      stopped[name] = runsExecutable(svc.pid, svc.exe) ? await stopProcessGroup(svc.pid, graceMs) : 'not-running';
      if (name === 's3') removeSeaweedSockets(svc.ports);
    }),
  );
  // Only ports of servers we stopped: a dead server's old port may belong to someone else by now.
  const ports = services.flatMap(({ name, svc }) => (stopped[name] === 'not-running' ? [] : Object.values(svc.ports)));
  const openPorts = await waitPortsClosed(ports, 5000);
  return { stopped, openPorts };
}
