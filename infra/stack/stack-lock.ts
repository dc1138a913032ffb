import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isAlive } from './processes.js';

/**
 * Serialises commands that change a stack (up, down, an embedded start), so two
 * at once cannot both start servers on one data folder. The lock file holds
 * the owner's pid; a lock whose owner died is taken over.
 */
export class StackLockedError extends Error {
  override name = 'StackLockedError';
}

export async function withStackLock<T>(dir: string, fn: () => Promise<T>, waitMs = 120_000): Promise<T> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, '.lock');
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const owner = Number(readFileSafe(file));
    if (!Number.isInteger(owner) || owner <= 0 || !isAlive(owner)) {
      rmSync(file, { force: true }); // left by a process that died mid-command
      continue;
    }
    if (Date.now() >= deadline) throw new StackLockedError(`another seamflow process (pid ${owner}) is changing the stack in ${dir}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}
