import { spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../engine/data/atomic-write.js';
import { DataError, DataFormatError } from '../../engine/data/errors.js';
import { FASHION_MNIST_SYSTEM_DIR, findIdxFile } from '../../engine/data/mnist.js';
import { badIdxFiles, IDX_BASES } from './mnist.js';
import type { FetchLog, FetchProgress, FetchResult } from './types.js';

export const FASHION_MNIST_DEB = 'dataset-fashion-mnist';

/** The command a user runs to install Fashion-MNIST system-wide (Debian/Ubuntu). */
export const FASHION_MNIST_INSTALL_HINT = `sudo apt-get install ${FASHION_MNIST_DEB}`;

/**
 * Makes sure Fashion-MNIST is available, from Debian's dataset-fashion-mnist
 * package (files under /usr/share/datasets/fashion-mnist). When it is missing
 * and we are root with apt-get and `allowApt`, installs it (running
 * `apt-get update` once if apt does not know the package); otherwise fails
 * with the command to run. With `dir`, the verified files are also copied
 * there (for machines where the package cannot be installed later).
 */
export async function ensureFashionMnist(
  onProgress?: FetchProgress,
  opts: { dir?: string; allowApt?: boolean; log?: FetchLog; systemDir?: string } = {},
): Promise<FetchResult> {
  const started = Date.now();
  const log = opts.log ?? (() => {});
  const systemDir = opts.systemDir ?? FASHION_MNIST_SYSTEM_DIR;
  const elapsed = () => (Date.now() - started) / 1000;
  let source: FetchResult['source'] = 'present';
  if (opts.dir && (await badIdxFiles('fashion-mnist', opts.dir)).length === 0) {
    return { dir: opts.dir, source, seconds: elapsed(), downloadedBytes: 0 };
  }
  let bad = await badIdxFiles('fashion-mnist', systemDir, onProgress);
  if (bad.length > 0) {
    const root = process.getuid?.() === 0;
    if (!(opts.allowApt ?? true) || !root || !(await hasCommand('apt-get'))) {
      throw new DataError(
        `Fashion-MNIST is not in ${systemDir} (missing or wrong: ${bad.join(', ')}). ` +
          `Install it with \`${FASHION_MNIST_INSTALL_HINT}\` (Debian/Ubuntu), then rerun; ` +
          'or put the four IDX files (plain or .gz) in a folder DIR and use the spec fashion-mnist:DIR',
      );
    }
    log(`installing ${FASHION_MNIST_DEB} with apt-get`);
    onProgress?.(0, 1, 'install');
    const install = () => run('apt-get', ['install', '-y', '--no-install-recommends', FASHION_MNIST_DEB]);
    let res = await install();
    if (res.code !== 0 && /Unable to locate package|has no installation candidate/.test(res.output)) {
      log('apt does not know the package yet: running apt-get update');
      await run('apt-get', ['update']);
      res = await install();
    }
    if (res.code !== 0) {
      throw new DataError(`apt-get install ${FASHION_MNIST_DEB} failed (exit ${res.code}): ${res.output.trim().split('\n').slice(-5).join('\n')}`);
    }
    onProgress?.(1, 1, 'install');
    source = 'apt';
    bad = await badIdxFiles('fashion-mnist', systemDir, onProgress);
    if (bad.length > 0) throw new DataFormatError(`${systemDir}: after installing ${FASHION_MNIST_DEB}, still missing or wrong: ${bad.join(', ')}`);
  }
  if (!opts.dir) return { dir: systemDir, source, seconds: elapsed(), downloadedBytes: 0 };
  await mkdir(opts.dir, { recursive: true });
  for (const base of IDX_BASES) {
    const src = await findIdxFile(systemDir, base, 'fashion-mnist');
    const dst = path.join(opts.dir, path.basename(src));
    await writeFileAtomic(dst, await readFile(src));
  }
  log(`copied the verified files to ${opts.dir}`);
  return { dir: opts.dir, source, seconds: elapsed(), downloadedBytes: 0 };
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.on('error', (err) => resolve({ code: -1, output: err.message }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

async function hasCommand(cmd: string): Promise<boolean> {
  return (await run(cmd, ['--version'])).code === 0;
}
