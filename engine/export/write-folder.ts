/**
 * Writes an exported model as a standard TF.js LayersModel folder
 * (model.json + weights.bin). The folder appears whole or not at all: it is
 * written next to the target under a temporary name and renamed into place
 * (an older folder of the same name is replaced).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ExportedModel } from '../graph/export.js';

export interface ModelFiles {
  modelJson: Buffer;
  weights: Uint8Array;
}

/** The exact bytes the folder will hold. */
export function modelFiles(exported: ExportedModel): ModelFiles {
  return { modelJson: Buffer.from(JSON.stringify(exported.modelJson)), weights: exported.weightData };
}

export async function writeModelFolderAtomic(dir: string, exported: ExportedModel): Promise<ModelFiles> {
  const files = modelFiles(exported);
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const tmp = `${dir}.tmp-${tag}`;
  const old = `${dir}.old-${tag}`;
  await mkdir(path.dirname(dir), { recursive: true });
  try {
    await mkdir(tmp);
    await writeFile(path.join(tmp, 'weights.bin'), files.weights);
    await writeFile(path.join(tmp, 'model.json'), files.modelJson);
    const hadOld = await rename(dir, old).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return false;
        throw err;
      },
    );
    await rename(tmp, dir);
    if (hadOld) await rm(old, { recursive: true, force: true });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
  return files;
}
