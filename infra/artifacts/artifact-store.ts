import { sha256Hex } from './artifact-key.js';

/**
 * One interface for artifacts (models, masks, checkpoints, reports), with a
 * filesystem implementation (embedded default) and an S3 one (MinIO in
 * production). A write is published atomically: the data lands first, then a
 * lineage record (`<key>.meta.json`) that doubles as the commit marker, so a
 * crash mid-write never leaves an artifact that looks complete.
 */
export interface Lineage {
  /** Which run, stage and inputs made this artifact. */
  runId?: string;
  stage?: string;
  inputs?: Record<string, unknown>;
  [extra: string]: unknown;
}

export interface ArtifactInfo {
  key: string;
  size: number;
  sha256: string;
  createdAt: string;
  contentType: string;
  lineage: Lineage;
}

export interface ArtifactStore {
  readonly kind: 'fs' | 's3';
  /** Writes atomically and returns the published record. */
  put(key: string, data: Uint8Array, opts?: { lineage?: Lineage; contentType?: string }): Promise<ArtifactInfo>;
  /** Reads and verifies the SHA-256 against the lineage record; throws ArtifactIntegrityError on mismatch. */
  get(key: string): Promise<Buffer>;
  /** The published record, or undefined when the artifact does not exist (or was never committed). */
  stat(key: string): Promise<ArtifactInfo | undefined>;
  /** Keys of committed artifacts under a prefix (a folder-like prefix ending in "/" or "" for all). */
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
}

export class ArtifactNotFoundError extends Error {
  override name = 'ArtifactNotFoundError';
}

export class ArtifactIntegrityError extends Error {
  override name = 'ArtifactIntegrityError';
}

export const META_SUFFIX = '.meta.json';

/** The lineage record written beside an artifact's data (same for every store). */
export function artifactRecord(key: string, data: Uint8Array, opts: { lineage?: Lineage; contentType?: string }): ArtifactInfo {
  return {
    key,
    size: data.byteLength,
    sha256: sha256Hex(data),
    createdAt: new Date().toISOString(),
    contentType: opts.contentType ?? 'application/octet-stream',
    lineage: opts.lineage ?? {},
  };
}

/** Refuses data whose SHA-256 differs from its record: corruption never reaches a caller. */
export function verifiedContent<T extends Uint8Array>(info: ArtifactInfo, data: T): T {
  const actual = sha256Hex(data);
  if (actual !== info.sha256) {
    throw new ArtifactIntegrityError(`artifact ${info.key}: SHA-256 ${actual} does not match its record ${info.sha256}`);
  }
  return data;
}
