import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../engine/data/atomic-write.js';
import { validateArtifactKey } from './artifact-key.js';
import {
  artifactRecord,
  ArtifactNotFoundError,
  META_SUFFIX,
  verifiedContent,
  type ArtifactInfo,
  type ArtifactStore,
  type Lineage,
} from './artifact-store.js';

/** Filesystem artifact store rooted at one folder: the embedded default. */
export class FsArtifactStore implements ArtifactStore {
  readonly kind = 'fs' as const;

  constructor(readonly root: string) {}

  private pathOf(key: string): string {
    return path.join(this.root, ...validateArtifactKey(key).split('/'));
  }

  async put(key: string, data: Uint8Array, opts: { lineage?: Lineage; contentType?: string } = {}): Promise<ArtifactInfo> {
    const file = this.pathOf(key);
    await mkdir(path.dirname(file), { recursive: true });
    const info = artifactRecord(key, data, opts);
    await writeFileAtomic(file, data);
    await writeFileAtomic(file + META_SUFFIX, Buffer.from(JSON.stringify(info, null, 1)));
    return info;
  }

  async get(key: string): Promise<Buffer> {
    const info = await this.stat(key);
    if (!info) throw new ArtifactNotFoundError(`artifact ${key} not found in ${this.root}`);
    const data = await readFile(this.pathOf(key));
    return verifiedContent(info, data);
  }

  async stat(key: string): Promise<ArtifactInfo | undefined> {
    try {
      return JSON.parse(await readFile(this.pathOf(key) + META_SUFFIX, 'utf8')) as ArtifactInfo;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string, rel: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw err;
      }
      for (const e of entries) {
        const relPath = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) await walk(path.join(dir, e.name), relPath);
        else if (e.name.endsWith(META_SUFFIX)) out.push(relPath.slice(0, -META_SUFFIX.length));
      }
    };
    await walk(this.root, '');
    return out.filter((k) => k.startsWith(prefix)).sort();
  }

  async delete(key: string): Promise<void> {
    const file = this.pathOf(key);
    // Unpublish first so a concurrent reader never sees a record without data.
    await rm(file + META_SUFFIX, { force: true });
    await rm(file, { force: true });
  }
}
