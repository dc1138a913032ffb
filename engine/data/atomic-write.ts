import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';

const TMP_MARK = '.tmp-';

/**
 * Writes a file so that readers only ever see the old content or the complete
 * new one: data goes to a sibling temp file, is fsynced, then renamed over the
 * target (rename is atomic within a directory). On failure the temp is removed.
 */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${file}${TMP_MARK}${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Removes temp files a killed writer left behind in `dir` (call while holding the directory's lock). */
export async function removeStaleTempFiles(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  await Promise.all(names.filter((n) => n.includes(TMP_MARK)).map((n) => rm(path.join(dir, n), { force: true })));
}
