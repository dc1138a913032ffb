import { logger } from '../log.js';
import { logTail, withLogTail } from './log-tail.js';
import { spawnServer, stopProcessGroup, type ServerProcess } from './processes.js';

/**
 * What differs between the stack's servers; `launchServer` does the common
 * part: pick ports, spawn, wait until a real client request succeeds, retry
 * with fresh ports if one was taken in the meantime.
 */
export interface ServerSpec<P extends Record<string, number>> {
  name: string;
  exe: string;
  logFile: string;
  cwd?: string;
  env: NodeJS.ProcessEnv;
  /** Ports for one attempt; `firstAttempt` may honour preferred ports. */
  allocatePorts(firstAttempt: boolean): Promise<P>;
  args(ports: P): string[];
  /** One real request against the server; rejects while it is not ready. */
  probe(ports: P): Promise<void>;
  /** Tidy up after the process is gone (files it leaves behind). */
  afterStop?(ports: P): void;
}

export interface LaunchedServer<P> {
  process: ServerProcess;
  ports: P;
}

export class ServerStartError extends Error {
  override name = 'ServerStartError';
}

const log = logger('stack');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Polls `probe` until it succeeds, the process exits, or the deadline passes. */
async function waitHealthy(proc: ServerProcess, probe: () => Promise<void>, deadline: number): Promise<void> {
  let exited = false;
  // An exit ends the wait at once, even while a probe hangs (e.g. on a port someone else owns).
  const exit = proc.exited.then(() => {
    exited = true;
    throw new ServerStartError(`exited during start-up (${describeExit(proc)})`);
  });
  exit.catch(() => undefined);
  let lastError = 'not probed yet';
  for (;;) {
    if (exited) await exit;
    const left = deadline - Date.now();
    if (left <= 0) throw new ServerStartError(`not healthy in time; last probe: ${lastError}`);
    try {
      await Promise.race([withTimeout(probe(), Math.min(5000, Math.max(left, 200)), 'health probe'), exit]);
      return;
    } catch (err) {
      if (exited) await exit;
      lastError = err instanceof Error ? err.message : String(err);
    }
    await sleep(150);
  }
}

function describeExit(proc: ServerProcess): string {
  const { exitCode, signalCode } = proc.child;
  return signalCode ? `signal ${signalCode}` : `code ${exitCode}`;
}

// temporal: "bind: address already in use"; weed mini checks first: "Port allocation failed: port N ... is not available".
const PORT_TAKEN = /address already in use|EADDRINUSE|Port allocation failed/i;

export async function launchServer<P extends Record<string, number>>(
  spec: ServerSpec<P>,
  opts: { leash: boolean; timeoutMs: number; attempts?: number },
): Promise<LaunchedServer<P>> {
  const attempts = opts.attempts ?? 3;
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  for (let attempt = 1; ; attempt++) {
    const ports = await spec.allocatePorts(attempt === 1);
    const proc = spawnServer({
      exe: spec.exe,
      args: spec.args(ports),
      env: spec.env,
      logFile: spec.logFile,
      cwd: spec.cwd,
      leash: opts.leash,
    });
    try {
      await waitHealthy(proc, () => spec.probe(ports), deadline);
      log.debug(`${spec.name} healthy in ${Date.now() - started} ms (pid ${proc.pid}, ports ${JSON.stringify(ports)})`);
      return { process: proc, ports };
    } catch (err) {
      await stopProcessGroup(proc.pid, 3000).catch(() => undefined);
      spec.afterStop?.(ports);
      const reason = err instanceof Error ? err.message : String(err);
      // Another process grabbed a port between our pick and the server's bind: pick again.
      if (attempt < attempts && Date.now() < deadline && PORT_TAKEN.test(logTail(spec.logFile, proc.logOffset, 200))) {
        log.warn(`${spec.name}: a port was taken before the server could bind it; retrying with fresh ports`);
        continue;
      }
      throw new ServerStartError(withLogTail(`${spec.name} (${spec.exe}) failed to start: ${reason}`, spec.logFile, proc.logOffset));
    }
  }
}
