import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CIFAR10_FILES,
  CIFAR10_RECORD,
  CIFAR10_SUBDIR,
  loadCifar10,
  parseCifarBatch,
  resolveCifar10Dir,
} from '../engine/data/cifar10.js';

/** One record: label, then R, G, B planes where every pixel of plane c has value base + c. */
function record(label: number, base: number): Buffer {
  const r = Buffer.alloc(CIFAR10_RECORD);
  r[0] = label;
  for (let c = 0; c < 3; c++) r.fill(base + c, 1 + c * 1024, 1 + (c + 1) * 1024);
  return r;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'seamflow-cifar-bin-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes a tiny CIFAR folder: each train batch holds labels 0..3 once, test holds 1, 2. */
async function tinyCifar(root: string): Promise<void> {
  await mkdir(root, { recursive: true });
  for (const f of CIFAR10_FILES) {
    const labels = f === 'test_batch.bin' ? [1, 2] : [0, 1, 2, 3];
    await writeFile(path.join(root, f), Buffer.concat(labels.map((l) => record(l, 10 * l))));
  }
}

describe('CIFAR-10 binary reader', () => {
  it('parses records and turns CHW planes into NHWC floats', async () => {
    const root = path.join(dir, 'flat');
    await tinyCifar(root);
    const ds = await loadCifar10(root, { verifyChecksums: false });
    expect(ds.train).toMatchObject({ count: 20, height: 32, width: 32, channels: 3 });
    expect([...ds.train.labels.subarray(0, 4)]).toEqual([0, 1, 2, 3]);
    // Image 2 has label 2: its pixels are (R, G, B) = (20, 21, 22) / 255 everywhere.
    const px = 2 * 3072 + 3 * 517; // an arbitrary pixel
    expect([...ds.train.images.subarray(px, px + 3)]).toEqual([20 / 255, 21 / 255, 22 / 255].map(Math.fround));
    expect([...ds.test.labels]).toEqual([1, 2]);
    expect(Object.keys(ds.checksums)).toEqual(CIFAR10_FILES);
  });

  it('takes a class-balanced subset with limit', async () => {
    const root = path.join(dir, 'flat');
    const ds = await loadCifar10(root, { verifyChecksums: false, limit: 8 });
    const counts = [0, 0, 0, 0];
    for (const l of ds.train.labels) counts[l]!++;
    expect(counts).toEqual([2, 2, 2, 2]);
    expect(ds.test.count).toBe(2);
  });

  it('finds the files in DIR/cifar-10-batches-bin or DIR, else says how to fetch', async () => {
    const nested = path.join(dir, 'nested');
    await tinyCifar(path.join(nested, CIFAR10_SUBDIR));
    expect(await resolveCifar10Dir(nested)).toBe(path.join(nested, CIFAR10_SUBDIR));
    expect(await resolveCifar10Dir(path.join(dir, 'flat'))).toBe(path.join(dir, 'flat'));
    await expect(resolveCifar10Dir(path.join(dir, 'nowhere'))).rejects.toThrow(/seamflow data fetch cifar10/);
  });

  it('refuses files that are not the official ones, naming the file', async () => {
    await expect(loadCifar10(path.join(dir, 'flat'))).rejects.toThrow(/^data_batch_1\.bin: MD5 [0-9a-f]{32} is not the official 5dd7e06a/);
  });

  it('names the file and the problem for truncated or corrupt batches', () => {
    const good = Buffer.concat([record(1, 0), record(2, 0)]);
    expect(parseCifarBatch(good, 'ok.bin').count).toBe(2);
    expect(() => parseCifarBatch(good.subarray(0, 5000), 'data_batch_3.bin')).toThrow(
      /^data_batch_3\.bin: size 5000 is not a multiple of 3073-byte records/,
    );
    const badLabel = Buffer.from(good);
    badLabel[CIFAR10_RECORD] = 200;
    expect(() => parseCifarBatch(badLabel, 'test_batch.bin')).toThrow('test_batch.bin: record 1 has label 200, expected 0..9');
    expect(() => parseCifarBatch(Buffer.alloc(0), 'e.bin')).toThrow('e.bin: empty file');
  });
});
