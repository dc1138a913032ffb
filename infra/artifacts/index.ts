import path from 'node:path';
import type { SeamflowConfig } from '../config.js';
import type { ArtifactStore } from './artifact-store.js';
import { FsArtifactStore } from './fs-store.js';
import { S3ArtifactStore } from './s3-store.js';

export * from './artifact-key.js';
export * from './artifact-store.js';
export { FsArtifactStore } from './fs-store.js';
export { S3ArtifactStore } from './s3-store.js';

/** S3 when an endpoint is configured, else the filesystem store under the data folder. */
export function openArtifactStore(config: SeamflowConfig): ArtifactStore {
  if (config.s3) return new S3ArtifactStore(config.s3);
  return new FsArtifactStore(path.join(config.dataDir, 'artifacts'));
}
