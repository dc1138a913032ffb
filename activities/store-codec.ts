import { decodePlain, encodePlain } from '../engine/plain-codec.js';
import type { ArtifactStore, Lineage } from '../infra/artifacts/index.js';
import { artifactBytes } from '../infra/metrics/registry.js';

/** Plain data (typed arrays included) and JSON in and out of the store, counted in the metrics. */
export async function putPlain(store: ArtifactStore, key: string, value: unknown, lineage: Lineage): Promise<void> {
  const bytes = encodePlain(value);
  await store.put(key, bytes, { lineage });
  artifactBytes.inc({ direction: 'written', store: store.kind }, bytes.byteLength);
}

export async function getPlain<T>(store: ArtifactStore, key: string): Promise<T> {
  const bytes = await store.get(key);
  artifactBytes.inc({ direction: 'read', store: store.kind }, bytes.byteLength);
  return decodePlain<T>(bytes);
}

export async function putJson(store: ArtifactStore, key: string, value: unknown, lineage: Lineage): Promise<void> {
  const bytes = Buffer.from(JSON.stringify(value, null, 2));
  await store.put(key, bytes, { lineage, contentType: 'application/json' });
  artifactBytes.inc({ direction: 'written', store: store.kind }, bytes.byteLength);
}

export async function getJson<T>(store: ArtifactStore, key: string): Promise<T> {
  const bytes = await store.get(key);
  artifactBytes.inc({ direction: 'read', store: store.kind }, bytes.byteLength);
  return JSON.parse(bytes.toString('utf8')) as T;
}
