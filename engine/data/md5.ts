import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

/** Hex MD5 of bytes already in memory. */
export function md5Hex(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

// Memo keyed by identity + size + mtime: a dataset is often checked and then
// loaded in the same process; re-hashing 180 MB twice would be waste.
const memo = new Map<string, string>();

/** Hex MD5 of a file, streamed (constant memory); memoised per (path, inode, size, mtime). */
export async function md5File(path: string): Promise<string> {
  const st = await stat(path);
  const key = `${path}\0${st.ino}\0${st.size}\0${st.mtimeMs}`;
  const hit = memo.get(key);
  if (hit) return hit;
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  const hex = hash.digest('hex');
  memo.set(key, hex);
  return hex;
}

/** Records a hash computed from bytes just read or written, so a later md5File on the same file is free. */
export async function rememberMd5(path: string, hex: string): Promise<void> {
  const st = await stat(path);
  memo.set(`${path}\0${st.ino}\0${st.size}\0${st.mtimeMs}`, hex);
}
