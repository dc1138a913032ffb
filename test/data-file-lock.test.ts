import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeStaleTempFiles, writeFileAtomic } from '../engine/data/atomic-write.js';
import { withFileLock } from '../engine/data/file-lock.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'seamflow-lock-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('withFileLock', () => {
  it('runs callers in the same process one at a time', async () => {
    const lock = path.join(dir, 'a.lock');
    const events: string[] = [];
    const job = (name: string) =>
      withFileLock(lock, async () => {
        events.push(`${name}+`);
        await new Promise((r) => setTimeout(r, 30));
        events.push(`${name}-`);
      });
    await Promise.all([job('x'), job('y'), job('z')]);
    expect(events).toEqual(['x+', 'x-', 'y+', 'y-', 'z+', 'z-']);
    expect(await readdir(dir)).not.toContain('a.lock');
  });

  it('takes over a lock whose owner process is gone', async () => {
    // A pid that surely existed and surely has exited: a child we waited for.
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => child.on('exit', r));
    const lock = path.join(dir, 'b.lock');
    await writeFile(lock, String(child.pid));
    await expect(withFileLock(lock, async () => 'ran', { pollMs: 10 })).resolves.toBe('ran');
  });
});

describe('writeFileAtomic', () => {
  it('replaces the file whole and leaves no temp file behind', async () => {
    const file = path.join(dir, 'f.bin');
    await writeFileAtomic(file, 'old');
    await writeFileAtomic(file, Buffer.from('new'));
    await writeFile(`${file}.tmp-999-dead`, 'half'); // as if a writer had been killed
    await removeStaleTempFiles(dir);
    expect((await readdir(dir)).filter((n) => n.startsWith('f.bin'))).toEqual(['f.bin']);
  });
});
