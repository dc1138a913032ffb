import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { installToolsCommand, toolsBinDir } from '../paths.js';

/** The two server binaries of the local stack, installed by scripts/install-tools.sh. */
export type StackBinary = 'temporal' | 'weed';

export class MissingBinaryError extends Error {
  override name = 'MissingBinaryError';
  constructor(readonly binary: StackBinary, readonly expectedPath: string) {
    super(`${binary} not found at ${expectedPath}: run \`${installToolsCommand}\``);
  }
}

/** Absolute path of an installed stack binary; throws MissingBinaryError (with the fix) when absent. */
export function stackBinary(name: StackBinary, binDir = toolsBinDir): string {
  const p = path.join(binDir, name);
  try {
    accessSync(p, constants.X_OK);
  } catch {
    throw new MissingBinaryError(name, p);
  }
  return p;
}
