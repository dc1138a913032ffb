import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DataFormatError } from './errors.js';
import { md5Hex } from './md5.js';

/**
 * IDX files (MNIST, Fashion-MNIST): magic 0x00 0x00 <type> <ndims>, then
 * ndims big-endian uint32 sizes, then the elements row-major. Only unsigned
 * bytes (type 0x08) occur in these datasets, so only those are accepted.
 */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const IDX_UBYTE = 0x08;

/** Parses IDX bytes; `name` (the file name) prefixes every error. */
export function parseIdx(bytes: Uint8Array, name: string): IdxArray {
  if (bytes.length < 4) throw new DataFormatError(`${name}: ${bytes.length} bytes, too short for an IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataFormatError(`${name}: bad magic 0x${hex8(magic)} (an IDX file starts with 0x0000 then type and rank)`);
  }
  const type = bytes[2]!;
  const ndims = bytes[3]!;
  if (type !== IDX_UBYTE) {
    throw new DataFormatError(`${name}: bad magic 0x${hex8(magic)}: element type 0x${type.toString(16).padStart(2, '0')} is not unsigned byte (0x08)`);
  }
  if (ndims < 1) throw new DataFormatError(`${name}: bad magic 0x${hex8(magic)}: rank 0`);
  const headerLen = 4 + 4 * ndims;
  if (bytes.length < headerLen) {
    throw new DataFormatError(`${name}: truncated header: ${bytes.length} bytes, rank ${ndims} needs ${headerLen}`);
  }
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerLen;
  if (actual < expected) {
    throw new DataFormatError(
      `${name}: truncated: header says ${dims.join('x')} = ${expected} data bytes, file has ${actual}`,
    );
  }
  if (actual > expected) {
    throw new DataFormatError(`${name}: ${actual - expected} unexpected trailing bytes after ${dims.join('x')} data`);
  }
  return { dims, data: bytes.subarray(headerLen) };
}

/** True for the gzip magic bytes 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Reads an IDX file, gunzipping it when it is gzip (by content, not by name).
 * `md5` is of the uncompressed bytes: the same data has the same checksum
 * whether it was shipped gzipped (and by which compressor) or not.
 */
export async function readIdxFile(file: string): Promise<IdxArray & { md5: string }> {
  const name = path.basename(file);
  let bytes: Uint8Array = await readFile(file);
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      throw new DataFormatError(`${name}: corrupt gzip data (${(err as Error).message})`);
    }
  }
  const parsed = parseIdx(bytes, name);
  return { ...parsed, md5: md5Hex(bytes) };
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}
