import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * What a running stack left behind for other processes (`stack status`,
 * `stack down`, an embedded run looking for a stack to reuse). No secrets:
 * the S3 keys stay in the identity file this points to.
 */
const ports = z.record(z.string(), z.number().int().min(1).max(65535));

const service = z.object({
  pid: z.number().int().positive(),
  /** The binary, to recognise our process before signalling a pid from an old file. */
  exe: z.string(),
  ports,
  logFile: z.string(),
});

export const stackStateSchema = z.object({
  version: z.literal(1),
  /** 'detached': `seamflow stack up`; 'embedded': servers owned by `ownerPid`. */
  mode: z.enum(['detached', 'embedded']),
  ownerPid: z.number().int().positive(),
  startedAt: z.string(),
  // uiUrl: the dev server's Web UI (absent when started headless, and in state files from before it existed).
  temporal: service.extend({ address: z.string(), namespace: z.string(), dbFile: z.string().optional(), uiUrl: z.string().optional() }).optional(),
  s3: service
    .extend({ endpoint: z.string(), region: z.string(), accessKey: z.string(), identityFile: z.string(), bucket: z.string().optional() })
    .optional(),
});

export type StackState = z.infer<typeof stackStateSchema>;
export type ServiceName = 'temporal' | 's3';

export const stateFile = (dir: string) => path.join(dir, 'state.json');

export class StateFileError extends Error {
  override name = 'StateFileError';
}

/** The state, or undefined when there is none; a corrupt file is an error naming the file. */
export function readState(dir: string): StackState | undefined {
  let text: string;
  try {
    text = readFileSync(stateFile(dir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = stackStateSchema.safeParse(safeJson(text));
  if (!parsed.success) throw new StateFileError(`unreadable stack state ${stateFile(dir)}: delete it if no stack is running`);
  return parsed.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Atomic replace: readers see the old or the new file, never half of one. */
export function writeState(dir: string, state: StackState): void {
  mkdirSync(dir, { recursive: true });
  const tmp = `${stateFile(dir)}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, stateFile(dir));
}

export function removeState(dir: string): void {
  rmSync(stateFile(dir), { force: true });
}

/** Main ports to remember across `down`/`up`, so a persistent stack keeps its endpoints. */
const lastPortsFile = (dir: string) => path.join(dir, 'last-ports.json');

export function readLastPorts(dir: string): { temporal?: number; s3?: number } {
  const v = safeJson(readFileSafe(lastPortsFile(dir)));
  const r = z.object({ temporal: z.number().int().optional(), s3: z.number().int().optional() }).safeParse(v);
  return r.success ? r.data : {};
}

export function writeLastPorts(dir: string, ports: { temporal?: number; s3?: number }): void {
  writeFileSync(lastPortsFile(dir), JSON.stringify(ports) + '\n');
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
