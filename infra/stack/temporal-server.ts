import { Connection } from '@temporalio/client';
import { freePorts, LOOPBACK } from './ports.js';
import { serverEnv } from './server-env.js';
import type { ServerSpec } from './server-launch.js';

/**
 * Ports the dev server opens that we choose (its internal history/matching/worker
 * services pick their own, on loopback). `ui` only when the Web UI is on.
 */
export interface TemporalPorts extends Record<string, number> {
  grpc: number;
  http: number;
  metrics: number;
}

export interface TemporalServerOptions {
  exe: string;
  logFile: string;
  /** SQLite file for persistent state; omitted = in-memory (lost on stop). */
  dbFile?: string;
  preferredGrpcPort?: number;
  namespace?: string;
  /** Serve the Temporal Web UI on a free loopback port (else --headless). */
  ui?: boolean;
}

export function temporalAddress(ports: { grpc: number }): string {
  return `${LOOPBACK}:${ports.grpc}`;
}

/** The Web UI's base URL, when the server was started with one. */
export function temporalUiUrl(ports: Record<string, number>): string | undefined {
  return ports.ui === undefined ? undefined : `http://${LOOPBACK}:${ports.ui}`;
}

/** The UI's page answers 200: the link we hand out really opens. */
export async function probeTemporalUi(url: string, timeoutMs = 3000): Promise<void> {
  const res = await fetch(`${url}/`, { signal: AbortSignal.timeout(timeoutMs) });
  await res.body?.cancel();
  if (res.status !== 200) throw new Error(`Temporal Web UI at ${url}: HTTP ${res.status}`);
}

/** A real round trip: system info plus the namespace workers will poll. */
export async function probeTemporal(address: string, namespace = 'default', timeoutMs = 3000): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: timeoutMs });
  try {
    await connection.workflowService.getSystemInfo({});
    await connection.workflowService.describeNamespace({ namespace });
  } finally {
    await connection.close();
  }
}

export function temporalServerSpec(opts: TemporalServerOptions): ServerSpec<TemporalPorts> {
  return {
    name: 'Temporal dev server',
    exe: opts.exe,
    logFile: opts.logFile,
    env: serverEnv(),
    async allocatePorts(first) {
      // The UI port is chosen free like the others (the CLI's default, gRPC + 1000, may be taken).
      const [grpc, http, metrics, ui] = await freePorts(opts.ui ? 4 : 3, first ? [opts.preferredGrpcPort] : []);
      return { grpc: grpc!, http: http!, metrics: metrics!, ...(opts.ui ? { ui: ui! } : {}) };
    },
    args: (p) => [
      'server',
      'start-dev',
      // --ui-ip: the UI would otherwise follow --ip, but say it: loopback only, whatever the defaults become.
      // No news fetch: the UI would call out to the internet for its newsfeed.
      ...(p.ui === undefined ? ['--headless'] : ['--ui-port', String(p.ui), '--ui-ip', LOOPBACK, '--ui-disable-news-fetch']),
      '--ip',
      LOOPBACK,
      '--port',
      String(p.grpc),
      '--http-port',
      String(p.http),
      '--metrics-port',
      String(p.metrics),
      ...(opts.dbFile ? ['--db-filename', opts.dbFile] : []),
      // "default" always exists; any other namespace is created at start-up.
      ...(opts.namespace && opts.namespace !== 'default' ? ['--namespace', opts.namespace] : []),
      // Otherwise the server phones home for version checks (no internet here, and no need).
      '--dynamic-config-value',
      'frontend.enableServerVersionCheck=false',
      '--log-level',
      'warn',
      '--color',
      'never',
    ],
    async probe(p) {
      await probeTemporal(temporalAddress(p), opts.namespace);
      const ui = temporalUiUrl(p);
      if (ui) await probeTemporalUi(ui);
    },
  };
}
