import { open, readFile, rm, stat } from 'node:fs/promises';

/**
 * A cross-process lock file, so two processes (e.g. parallel test files, or a
 * worker and a CLI) fetching the same dataset do not download it twice. The
 * file holds the owner's pid; a lock whose owner is gone, or older than
 * `staleMs`, is taken over.
 */
export async function withFileLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  opts: LockOptions = {},
): Promise<T> {
  // Callers in the same process queue up here first: the pid in the file cannot tell them apart.
  const previous = inProcess.get(lockPath) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = previous.then(() => mine);
  inProcess.set(lockPath, tail);
  await previous;
  try {
    return await withOsLock(lockPath, fn, opts);
  } finally {
    release();
    if (inProcess.get(lockPath) === tail) inProcess.delete(lockPath);
  }
}

export interface LockOptions {
  pollMs?: number;
  staleMs?: number;
  /** Called once when another process holds the lock and we start waiting. */
  onWait?: (ownerPid: number) => void;
}

const inProcess = new Map<string, Promise<void>>();

async function withOsLock<T>(lockPath: string, fn: () => Promise<T>, opts: LockOptions): Promise<T> {
  const pollMs = opts.pollMs ?? 500;
  const staleMs = opts.staleMs ?? 30 * 60_000;
  let warned = false;
  for (;;) {
    try {
      const fh = await open(lockPath, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = await lockOwner(lockPath);
    if (owner === undefined) continue; // vanished between open and read: retry at once
    if (owner.pid === process.pid || !isAlive(owner.pid) || Date.now() - owner.mtimeMs > staleMs) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (!warned) opts.onWait?.(owner.pid);
    warned = true;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  try {
    return await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}

async function lockOwner(lockPath: string): Promise<{ pid: number; mtimeMs: number } | undefined> {
  try {
    const [text, st] = await Promise.all([readFile(lockPath, 'utf8'), stat(lockPath)]);
    const pid = Number.parseInt(text, 10);
    // A just-created lock may still be empty: treat it as alive and fresh.
    return { pid: Number.isFinite(pid) ? pid : -1, mtimeMs: st.mtimeMs };
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  if (pid === -1) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
