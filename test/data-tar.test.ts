import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTarGz } from '../engine/data/tar.js';

// Archives come from the system tar (GNU or bsdtar) in each format our reader must handle.
let dir: string;
// > 100 chars: ustar splits it into prefix + name, gnu writes an 'L' record, pax a 'path' record.
const longName = `${'d'.repeat(60)}/${'f'.repeat(70)}.bin`;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'seamflow-tar-'));
  const src = path.join(dir, 'src');
  await mkdir(path.join(src, 'pkg', path.dirname(longName)), { recursive: true });
  await writeFile(path.join(src, 'pkg', 'a.txt'), 'hello');
  await writeFile(path.join(src, 'pkg', 'big.bin'), Buffer.alloc(70_000, 7));
  await writeFile(path.join(src, 'pkg', 'empty'), '');
  await writeFile(path.join(src, 'pkg', longName), 'deep');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function makeTar(format: string): string {
  const out = path.join(dir, `${format}.tar.gz`);
  execFileSync('tar', [`--format=${format}`, '-czf', out, '-C', path.join(dir, 'src'), 'pkg']);
  return out;
}

describe('tar.gz reader', () => {
  it.each(['ustar', 'gnu', 'pax'])('reads the wanted entries of a %s archive', async (format) => {
    const seen: number[] = [];
    const files = await readTarGz(makeTar(format), (p) => !p.endsWith('a.txt'), (b) => seen.push(b));
    expect(files.has('pkg/a.txt')).toBe(false);
    expect(files.get('pkg/big.bin')).toEqual(Buffer.alloc(70_000, 7));
    expect(files.get('pkg/empty')?.length).toBe(0);
    expect(files.get(`pkg/${longName}`)?.toString()).toBe('deep');
    expect(seen.length).toBeGreaterThan(0);
  });

  it('fails on a truncated archive, naming it', async () => {
    const whole = await readFile(makeTar('gnu'));
    const cut = path.join(dir, 'cut.tar.gz');
    await writeFile(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    await expect(readTarGz(cut, () => true)).rejects.toThrow(/^cut\.tar\.gz: (corrupt or truncated gzip|truncated)/);
  });
});
