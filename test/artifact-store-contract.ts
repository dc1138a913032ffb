import { expect, it } from 'vitest';
import { ArtifactIntegrityError, ArtifactNotFoundError, InvalidArtifactKeyError, type ArtifactStore } from '../infra/artifacts/index.js';

/** Behaviour every artifact store must have; run against each implementation. */
export function artifactStoreContract(open: () => ArtifactStore, corrupt: (store: ArtifactStore, key: string) => Promise<void>): void {
  it('puts, stats, gets and lists with lineage', async () => {
    const store = open();
    const data = Buffer.from('masks v1');
    const info = await store.put('runs/r1/masks.bin', data, { lineage: { runId: 'r1', stage: 'search' } });
    expect(info.size).toBe(data.length);
    expect(info.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await store.stat('runs/r1/masks.bin'))?.lineage).toEqual({ runId: 'r1', stage: 'search' });
    expect((await store.get('runs/r1/masks.bin')).equals(data)).toBe(true);
    await store.put('runs/r2/report.json', Buffer.from('{}'), { contentType: 'application/json' });
    expect(await store.list('runs/')).toEqual(['runs/r1/masks.bin', 'runs/r2/report.json']);
    expect(await store.list('runs/r1/')).toEqual(['runs/r1/masks.bin']);
  });

  it('overwrites atomically and deletes', async () => {
    const store = open();
    await store.put('a/x', Buffer.from('one'));
    await store.put('a/x', Buffer.from('two'));
    expect((await store.get('a/x')).toString()).toBe('two');
    await store.delete('a/x');
    expect(await store.stat('a/x')).toBeUndefined();
    await expect(store.get('a/x')).rejects.toBeInstanceOf(ArtifactNotFoundError);
  });

  it('refuses keys that could escape the store', async () => {
    const store = open();
    for (const bad of ['../x', '/etc/passwd', 'a/../../b', 'a//b', 'a\\b', '', 'a/./b', 'x.meta.json']) {
      await expect(store.put(bad, Buffer.from('x'))).rejects.toBeInstanceOf(InvalidArtifactKeyError);
    }
    await expect(store.get('../../secret')).rejects.toThrow(/invalid artifact key "..\/..\/secret"/);
  });

  it('detects corrupted content on read', async () => {
    const store = open();
    await store.put('c/blob', Buffer.from('original content'));
    await corrupt(store, 'c/blob');
    await expect(store.get('c/blob')).rejects.toBeInstanceOf(ArtifactIntegrityError);
  });
}
