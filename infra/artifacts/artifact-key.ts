import { createHash } from 'node:crypto';

/**
 * Artifact keys: relative, slash-separated, lower-case-ish names. They become
 * file paths and S3 object names, so anything that could escape the store's
 * root (absolute paths, "..", empty or dot segments, backslashes, control
 * characters) is refused here, once, for every store.
 */
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._=+-]*$/;
const MAX_KEY_LENGTH = 512;

export class InvalidArtifactKeyError extends Error {
  override name = 'InvalidArtifactKeyError';
}

export function validateArtifactKey(key: string): string {
  const fail = (why: string): never => {
    throw new InvalidArtifactKeyError(`invalid artifact key ${JSON.stringify(key)}: ${why}`);
  };
  if (typeof key !== 'string' || key.length === 0) fail('empty');
  if (key.length > MAX_KEY_LENGTH) fail(`longer than ${MAX_KEY_LENGTH} characters`);
  if (key.startsWith('/')) fail('absolute paths are not allowed');
  if (key.includes('\\')) fail('backslashes are not allowed');
  for (const seg of key.split('/')) {
    if (seg === '..' || seg === '.') fail('"." and ".." segments are not allowed');
    if (seg === '') fail('empty path segment');
    if (!SEGMENT.test(seg)) fail(`segment ${JSON.stringify(seg)} has characters outside [A-Za-z0-9._=+-]`);
    if (seg.endsWith('.meta.json')) fail('the ".meta.json" suffix is reserved for lineage records');
    if (seg.endsWith('.tmp')) fail('the ".tmp" suffix is reserved for in-flight writes');
  }
  return key;
}

/** JSON with sorted object keys, so equal inputs always hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Content-addressed key for an artifact: `<kind>/<hash of the inputs that
 * produced it>/<name>`. Inputs should name the model, data spec + data
 * checksums, target, settings and code version: anything that changes the bytes.
 */
export function contentKey(kind: string, inputs: unknown, name: string): string {
  const digest = sha256Hex(canonicalJson(inputs)).slice(0, 32);
  return validateArtifactKey(`${kind}/${digest}/${name}`);
}
