import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataFormatError } from '../engine/data/errors.js';
import { parseIdx, readIdxFile } from '../engine/data/idx.js';
import { loadMnist } from '../engine/data/mnist.js';

/** Builds an unsigned-byte IDX file: magic 0 0 8 rank, big-endian dims, data. */
function idx(dims: number[], data: number[]): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt8(0x08, 2);
  head.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(data)]);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'seamflow-idx-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('IDX reader', () => {
  it('parses dims and data of a hand-made file', () => {
    const parsed = parseIdx(idx([2, 2, 3], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), 'tiny');
    expect(parsed.dims).toEqual([2, 2, 3]);
    expect([...parsed.data]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('reads gzip and plain files alike, with the MD5 of the uncompressed bytes', async () => {
    const raw = idx([3], [7, 8, 9]);
    await writeFile(path.join(dir, 'plain'), raw);
    await writeFile(path.join(dir, 'packed.gz'), gzipSync(raw));
    const a = await readIdxFile(path.join(dir, 'plain'));
    const b = await readIdxFile(path.join(dir, 'packed.gz'));
    expect([...b.data]).toEqual([7, 8, 9]);
    expect(b.md5).toBe(a.md5);
  });

  it('names the file and the shortfall when truncated', async () => {
    const file = path.join(dir, 'train-images-idx3-ubyte');
    await writeFile(file, idx([2, 2, 2], [1, 2, 3, 4, 5]));
    await expect(readIdxFile(file)).rejects.toThrow(
      /^train-images-idx3-ubyte: truncated: header says 2x2x2 = 8 data bytes, file has 5$/,
    );
    await expect(readIdxFile(file)).rejects.toBeInstanceOf(DataFormatError);
  });

  it('reports a bad magic number in hex, and a truncated gzip', async () => {
    expect(() => parseIdx(Buffer.from([0x12, 0x34, 0x08, 0x01, 0, 0, 0, 0]), 'x-idx1-ubyte')).toThrow(
      /^x-idx1-ubyte: bad magic 0x12340801/,
    );
    expect(() => parseIdx(Buffer.from([0, 0, 0x0d, 0x01, 0, 0, 0, 0]), 'f')).toThrow(/element type 0x0d is not unsigned byte/);
    const gz = gzipSync(idx([100], new Array<number>(100).fill(3)));
    await writeFile(path.join(dir, 'cut.gz'), gz.subarray(0, gz.length - 10));
    await expect(readIdxFile(path.join(dir, 'cut.gz'))).rejects.toThrow(/^cut\.gz: corrupt gzip data/);
  });

  it('loads a tiny MNIST-layout folder and refuses it against the official MD5s', async () => {
    const mn = path.join(dir, 'mnist');
    await mkdir(mn);
    // 3 train images of 2x2 (one gzipped, to mix forms), 2 test images.
    await writeFile(path.join(mn, 'train-images-idx3-ubyte.gz'), gzipSync(idx([3, 2, 2], [0, 255, 0, 255, 1, 2, 3, 4, 9, 9, 9, 9])));
    await writeFile(path.join(mn, 'train-labels-idx1-ubyte'), idx([3], [5, 0, 5]));
    await writeFile(path.join(mn, 't10k-images-idx3-ubyte'), idx([2, 2, 2], [255, 255, 255, 255, 0, 0, 0, 0]));
    await writeFile(path.join(mn, 't10k-labels-idx1-ubyte'), idx([2], [1, 2]));
    const ds = await loadMnist('mnist', mn, { verifyChecksums: false });
    expect(ds.train).toMatchObject({ count: 3, height: 2, width: 2, channels: 1 });
    expect([...ds.train.labels]).toEqual([5, 0, 5]);
    expect(ds.train.images[1]).toBe(1);
    expect(ds.test.images[0]).toBe(1);
    expect(Object.keys(ds.checksums)).toHaveLength(4);
    await expect(loadMnist('mnist', mn)).rejects.toThrow(/^train-images-idx3-ubyte\.gz: MD5 [0-9a-f]{32} \(uncompressed\) is not the official mnist/);
  });

  it('names both files when image and label counts differ', async () => {
    const mn = path.join(dir, 'mismatch');
    await mkdir(mn);
    await writeFile(path.join(mn, 'train-images-idx3-ubyte'), idx([2, 1, 1], [0, 0]));
    await writeFile(path.join(mn, 'train-labels-idx1-ubyte'), idx([1], [0]));
    await writeFile(path.join(mn, 't10k-images-idx3-ubyte'), idx([1, 1, 1], [0]));
    await writeFile(path.join(mn, 't10k-labels-idx1-ubyte'), idx([1], [0]));
    await expect(loadMnist('mnist', mn, { verifyChecksums: false })).rejects.toThrow(
      'train-labels-idx1-ubyte has 1 labels but train-images-idx3-ubyte has 2 images',
    );
  });
});
