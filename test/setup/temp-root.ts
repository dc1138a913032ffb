/**
 * Vitest global setup: every test run gets its own temp root, and the forked
 * test workers (and the servers they start) inherit it through TMPDIR, so the
 * hundreds of model folders the tests write under os.tmpdir() go away with
 * the run instead of piling up in /tmp.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(path.join(os.tmpdir(), 'seamflow-vitest-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(root, { recursive: true, force: true });
  };
}
