import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentKey, FsArtifactStore } from '../infra/artifacts/index.js';
import { artifactStoreContract } from './artifact-store-contract.js';

let root: string;
let n = 0;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'seamflow-fs-store-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('FsArtifactStore', () => {
  artifactStoreContract(
    () => new FsArtifactStore(path.join(root, `s${n++}`)),
    async (store, key) => writeFile(path.join((store as FsArtifactStore).root, key), 'tampered'),
  );

  it('leaves no temporary files behind', async () => {
    const store = new FsArtifactStore(path.join(root, 'tmpcheck'));
    await store.put('k/v', Buffer.alloc(1024, 7));
    expect((await readdir(path.join(store.root, 'k'))).sort()).toEqual(['v', 'v.meta.json']);
  });
});

describe('contentKey', () => {
  it('is stable under key order and changes with any input', () => {
    const a = contentKey('masks', { model: 'm', target: [3], settings: { alpha: 1, lr: 0.05 } }, 'masks.bin');
    const b = contentKey('masks', { settings: { lr: 0.05, alpha: 1 }, target: [3], model: 'm' }, 'masks.bin');
    const c = contentKey('masks', { model: 'm', target: [4], settings: { alpha: 1, lr: 0.05 } }, 'masks.bin');
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a).toMatch(/^masks\/[0-9a-f]{32}\/masks\.bin$/);
  });
});
