import { Connection } from '@temporalio/client';
import { freePorts, LOOPBACK } from './ports.js';
import { serverEnv } from './server-env.js';
import type { ServerSpec } from './server-launch.js';

/** Ports the dev server opens that we choose (its internal history/matching/worker services pick their own, on loopback). */
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
}

export function temporalAddress(ports: { grpc: number }): string {
  return `${LOOPBACK}:${ports.grpc}`;
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
      const [grpc, http, metrics] = await freePorts(3, first ? [opts.preferredGrpcPort] : []);
      return { grpc: grpc!, http: http!, metrics: metrics! };
    },
    args: (p) => [
      'server',
      'start-dev',
      '--headless',
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
    probe: (p) => probeTemporal(temporalAddress(p), opts.namespace),
  };
}
