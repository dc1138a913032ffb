import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CIFAR10_FILES, CIFAR10_RECORD } from '../engine/data/cifar10.js';
import { ensureCifar10 } from '../infra/datasets/cifar10.js';

/**
 * The fetcher must refuse anything that is not byte-identical to the official
 * files, and must not hang on a server that never answers. A local HTTP
 * server plays the official host.
 */
let dir: string;
let server: Server;
let base: string;
let archive: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'seamflow-refusal-'));
  // A well-formed but fake "official" archive: one record per batch file.
  const src = path.join(dir, 'src', 'cifar-10-batches-bin');
  await mkdir(src, { recursive: true });
  for (const f of CIFAR10_FILES) await writeFile(path.join(src, f), Buffer.alloc(CIFAR10_RECORD, 1));
  execFileSync('tar', ['-czf', path.join(dir, 'fake.tar.gz'), '-C', path.join(dir, 'src'), 'cifar-10-batches-bin']);
  archive = await readFile(path.join(dir, 'fake.tar.gz'));
  server = createServer((req, res) => {
    if (req.url === '/fake.tar.gz') {
      res.writeHead(200, { 'content-length': archive.length });
      res.end(archive);
    }
    // Any other path: never answer (an unreachable-but-connectable host).
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

describe('CIFAR-10 fetch refusals', () => {
  it('refuses files whose MD5 is not official, naming the file, and writes nothing', async () => {
    const target = path.join(dir, 'out');
    await expect(
      ensureCifar10(target, undefined, { source: 'official', officialUrl: `${base}/fake.tar.gz` }),
    ).rejects.toThrow(/^data_batch_1\.bin: MD5 [0-9a-f]{32} from the official archive is not the official 5dd7e06a14cb22eb9f671a540d1b7c25; refusing it$/);
    expect(await readdir(path.join(target, 'cifar-10-batches-bin'))).toEqual([]);
  });

  it('gives up on a silent server after the timeout, saying so', async () => {
    const t0 = Date.now();
    await expect(
      ensureCifar10(path.join(dir, 'silent'), undefined, {
        source: 'official',
        officialUrl: `${base}/silent`,
        officialTimeoutMs: 300,
      }),
    ).rejects.toThrow(/official CIFAR-10 archive http:\/\/127\.0\.0\.1:\d+\/silent failed: no response within 0\.3s/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
