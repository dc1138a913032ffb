import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseZoo } from './parse-zoo.js';
import type { ZooSpec } from './zoo-spec.js';

/** The zoo file could not be read at all (as opposed to ZooFileError: read, but invalid). */
export class ZooFileReadError extends Error {
  override name = 'ZooFileReadError';
  constructor(
    readonly file: string,
    /** errno code (ENOENT, EACCES, ...) when there is one. */
    readonly code: string | undefined,
    readonly reason: string,
  ) {
    super(`cannot read ${file}: ${code ?? reason}`);
  }
}

/**
 * A zoo file from disk, validated by parseZoo: relative model paths resolve
 * against the file's folder, and a zoo without a name is named after the file.
 * Throws ZooFileReadError or ZooFileError (every problem, by line).
 */
export async function readZooFile(file: string): Promise<ZooSpec> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    throw new ZooFileReadError(file, (err as NodeJS.ErrnoException).code, (err as Error).message);
  }
  const defaultName = path.basename(abs, '.json').replace(/[^A-Za-z0-9_-]/g, '-').replace(/^[^A-Za-z0-9]+/, '') || 'zoo';
  return parseZoo(text, { file, baseDir: path.dirname(abs), defaultName });
}
