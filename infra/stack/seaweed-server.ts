import { lstatSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'minio';
import type { S3Credentials } from './credentials.js';
import { freePorts, freePortWithPartner, LOOPBACK } from './ports.js';
import { serverEnv } from './server-env.js';
import type { ServerSpec } from './server-launch.js';

/** Every port `weed mini` opens (master, volume, filer, S3, admin; HTTP + gRPC each). */
export interface SeaweedPorts extends Record<string, number> {
  s3: number;
  s3Grpc: number;
  master: number;
  masterGrpc: number;
  volume: number;
  volumeGrpc: number;
  filer: number;
  filerGrpc: number;
  admin: number;
  adminGrpc: number;
}

/**
 * weed 4.48's built-in maintenance worker dials the admin gRPC port as
 * admin HTTP port + 10000 whatever `-admin.port.grpc` says, so the admin
 * ports must keep that offset (else it retries forever, filling the log).
 */
const ADMIN_GRPC_OFFSET = 10_000;

export interface SeaweedServerOptions {
  exe: string;
  logFile: string;
  /** Volume, filer and master data (`-dir`). */
  dataDir: string;
  /** The identity file (SeaweedFS `-s3.config` format, see credentials.ts). */
  identityFile: string;
  credentials: S3Credentials;
  preferredS3Port?: number;
}

export function s3Endpoint(ports: { s3: number }): string {
  return `http://${LOOPBACK}:${ports.s3}`;
}

export const S3_REGION = 'us-east-1';

/** A minio client for the local S3 server. */
export function localS3Client(endpoint: string, creds: S3Credentials, agent?: http.Agent): Client {
  const url = new URL(endpoint);
  return new Client({
    endPoint: url.hostname,
    port: Number(url.port),
    useSSL: url.protocol === 'https:',
    accessKey: creds.accessKey,
    secretKey: creds.secretKey,
    region: S3_REGION,
    pathStyle: true,
    ...(agent ? { transportAgent: agent } : {}),
  });
}

/** A real signed S3 request (ListBuckets): proves the gateway, filer and our keys all work. */
export async function probeS3(endpoint: string, creds: S3Credentials): Promise<void> {
  const agent = new http.Agent({ keepAlive: false });
  try {
    const client = localS3Client(endpoint, creds, agent);
    await client.listBuckets();
  } finally {
    agent.destroy();
  }
}

export function seaweedServerSpec(opts: SeaweedServerOptions): ServerSpec<SeaweedPorts> {
  return {
    name: 'SeaweedFS (weed mini)',
    exe: opts.exe,
    logFile: opts.logFile,
    // weed writes mini.options and a few files into its working directory's -dir; keep cwd there too.
    cwd: opts.dataDir,
    env: serverEnv(),
    async allocatePorts(first) {
      const p = await freePorts(8, first ? [opts.preferredS3Port] : []);
      const admin = await freePortWithPartner(ADMIN_GRPC_OFFSET, p);
      const [s3, s3Grpc, master, masterGrpc, volume, volumeGrpc, filer, filerGrpc] = p as [
        number, number, number, number, number, number, number, number,
      ];
      return { s3, s3Grpc, master, masterGrpc, volume, volumeGrpc, filer, filerGrpc, admin, adminGrpc: admin + ADMIN_GRPC_OFFSET };
    },
    args: (p) => [
      'mini',
      `-dir=${opts.dataDir}`,
      // -ip defaults to the host's address, not loopback: set both.
      `-ip=${LOOPBACK}`,
      `-ip.bind=${LOOPBACK}`,
      `-s3.config=${opts.identityFile}`,
      '-webdav=false',
      '-s3.port.iceberg=0',
      '-s3.port.lance=0',
      '-admin.ui=false',
      '-master.telemetry=false',
      // One node: announcing the volume's departure to a master that stops with it only delays shutdown.
      '-volume.preStopSeconds=0',
      `-master.port=${p.master}`,
      `-master.port.grpc=${p.masterGrpc}`,
      `-volume.port=${p.volume}`,
      `-volume.port.grpc=${p.volumeGrpc}`,
      `-filer.port=${p.filer}`,
      `-filer.port.grpc=${p.filerGrpc}`,
      `-s3.port=${p.s3}`,
      `-s3.port.grpc=${p.s3Grpc}`,
      `-admin.port=${p.admin}`,
      `-admin.port.grpc=${p.adminGrpc}`,
    ],
    probe: (p) => probeS3(s3Endpoint(p), opts.credentials),
    afterStop: removeSeaweedSockets,
  };
}

/**
 * weed names unix sockets after its ports in /tmp (seaweedfs-s3-<port>.sock,
 * seaweedfs-<component>-grpc-<port>.sock) and leaves some behind on exit:
 * remove ours once the server is gone, so repeated runs do not litter /tmp.
 */
export function removeSeaweedSockets(ports: Record<string, number>): void {
  const names = Object.values(ports).flatMap((port) => [
    `seaweedfs-s3-${port}.sock`,
    `seaweedfs-filer-${port}.sock`,
    ...['master', 'volume', 'filer', 's3', 'admin'].map((c) => `seaweedfs-${c}-grpc-${port}.sock`),
  ]);
  for (const dir of new Set(['/tmp', os.tmpdir()])) {
    for (const name of names) {
      const file = path.join(dir, name);
      try {
        if (lstatSync(file).isSocket()) rmSync(file, { force: true });
      } catch {
        /* absent */
      }
    }
  }
}
