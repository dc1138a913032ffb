import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * Server processes of the local stack: each runs in its own process group
 * (so stopping it reaches anything it forked) with stdout+stderr appended to a
 * log file. "Leashed" servers also die with their parent: on Linux through
 * `setpriv --pdeathsig` (the kernel signals them even if the parent is
 * SIGKILLed), and everywhere through an exit hook for ordinary exits.
 */
export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  /** Size of the log file before this run: its tail from here is this run's output. */
  logOffset: number;
  /** Resolves when the process has exited (code or signal). */
  exited: Promise<void>;
}

export interface SpawnOptions {
  exe: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  logFile: string;
  cwd?: string;
  /** Tie the server's life to this process (tests, embedded mode); false for `stack up`. */
  leash: boolean;
}

const SETPRIV = '/usr/bin/setpriv';
let setprivOk: boolean | undefined;
function hasSetpriv(): boolean {
  if (setprivOk === undefined) {
    try {
      accessSync(SETPRIV, constants.X_OK);
      setprivOk = process.platform === 'linux';
    } catch {
      setprivOk = false;
    }
  }
  return setprivOk;
}

const leashed = new Set<number>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: send SIGTERM and let the servers shut down on their own.
  process.once('exit', () => {
    for (const pid of leashed) signalGroup(pid, 'SIGTERM');
  });
}

/** Logs are appended run after run; past this size the old one moves to `<log>.1`. */
const LOG_ROTATE_BYTES = 10 * 1024 * 1024;

export function spawnServer(opts: SpawnOptions): ServerProcess {
  let logOffset = 0;
  try {
    logOffset = statSync(opts.logFile).size;
    if (logOffset > LOG_ROTATE_BYTES) {
      renameSync(opts.logFile, `${opts.logFile}.1`);
      logOffset = 0;
    }
  } catch {
    /* new log */
  }
  const fd = openSync(opts.logFile, 'a', 0o600);
  writeSync(fd, `\n=== ${new Date().toISOString()} ${path.basename(opts.exe)} ${opts.args.join(' ')}\n`);
  const [cmd, argv] =
    opts.leash && hasSetpriv() ? [SETPRIV, ['--pdeathsig', 'SIGTERM', '--', opts.exe, ...opts.args]] : [opts.exe, opts.args];
  let child: ChildProcess;
  try {
    child = spawn(cmd, argv, { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`could not start ${opts.exe}`);
  const pid = child.pid;
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  if (opts.leash) {
    leashed.add(pid);
    installExitHook();
    void exited.then(() => leashed.delete(pid));
  } else {
    // Detached servers outlive this CLI process.
    child.unref();
  }
  return { child, pid, logOffset, exited };
}

/** Signals the group led by `pid`; `orPid` falls back to the process alone (only while it is known alive). */
function signalGroup(pid: number, sig: NodeJS.Signals, orPid = false): boolean {
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    if (!orPid) return false;
    try {
      process.kill(pid, sig);
      return true;
    } catch {
      return false;
    }
  }
}

/** Alive = exists and is not a zombie (a killed server whose parent is gone may linger unreaped). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc (macOS): trust kill(0)
  }
}

/**
 * Whether `pid` still runs `exe` (guards against a recycled pid in a stale state
 * file before we signal it). Without /proc we cannot tell and say yes.
 */
export function runsExecutable(pid: number, exe: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(exe);
  } catch {
    return true;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitDead(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
  return true;
}

/**
 * SIGTERM the process group, SIGKILL it after `graceMs`; resolves once the
 * leader is gone. Returns how it ended.
 */
export async function stopProcessGroup(pid: number, graceMs = 10_000): Promise<'not-running' | 'terminated' | 'killed'> {
  if (!isAlive(pid)) return 'not-running';
  signalGroup(pid, 'SIGTERM', true);
  if (await waitDead(pid, graceMs)) {
    signalGroup(pid, 'SIGKILL'); // sweep any forked helpers left in the group
    return 'terminated';
  }
  signalGroup(pid, 'SIGKILL', true);
  if (!(await waitDead(pid, 5000))) throw new Error(`process ${pid} survived SIGKILL`);
  return 'killed';
}
