import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { DataFormatError } from './errors.js';

/**
 * A minimal streaming reader for .tar.gz archives (ustar, with GNU long names
 * and pax `path` records), enough for dataset archives and npm tarballs, so
 * fetching needs no `tar` binary. Only the entries `want` accepts are kept in
 * memory; the rest stream past.
 */
export async function readTarGz(
  file: string,
  want: (entryPath: string) => boolean,
  onProgress?: (compressedBytesRead: number, compressedTotal: number) => void,
): Promise<Map<string, Buffer>> {
  const name = path.basename(file);
  const total = (await stat(file)).size;
  const input = createReadStream(file, { highWaterMark: 1 << 20 });
  let read = 0;
  input.on('data', (chunk) => {
    read += chunk.length;
    onProgress?.(read, total);
  });
  const gunzip = createGunzip();
  const parser = new TarParser(name, want);
  try {
    await pipeline(input, gunzip, async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) parser.push(chunk);
    });
  } catch (err) {
    if (err instanceof DataFormatError) throw err;
    if ((err as NodeJS.ErrnoException).code?.startsWith('Z_')) {
      throw new DataFormatError(`${name}: corrupt or truncated gzip stream (${(err as Error).message})`);
    }
    throw err;
  }
  return parser.finish();
}

const BLOCK = 512;

/** Push-based tar parser: feed it the uncompressed stream in chunks of any size. */
export class TarParser {
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private offset = 0; // of the next unconsumed byte in the tar stream
  private state: 'header' | 'body' | 'end' = 'header';
  private entry?: { path: string; size: number; keep: boolean; type: string; chunks: Buffer[] };
  private bodyLeft = 0; // bytes of the current entry (with padding) still to consume
  private nextPath?: string; // from a GNU 'L' or pax 'x' header
  private readonly out = new Map<string, Buffer>();

  constructor(
    private readonly name: string,
    private readonly want: (entryPath: string) => boolean,
  ) {}

  push(chunk: Buffer): void {
    this.pending.push(chunk);
    this.pendingLen += chunk.length;
    for (;;) {
      if (this.state === 'end') {
        this.pending = [];
        this.pendingLen = 0;
        return;
      }
      if (this.state === 'header') {
        if (this.pendingLen < BLOCK) return;
        this.header(this.take(BLOCK));
      } else {
        if (this.pendingLen === 0) return;
        this.body(this.take(Math.min(this.bodyLeft, this.pendingLen)));
      }
    }
  }

  finish(): Map<string, Buffer> {
    if (this.state === 'body') {
      throw new DataFormatError(`${this.name}: truncated inside entry "${this.entry?.path}" (tar offset ${this.offset})`);
    }
    if (this.pendingLen > 0 && this.state === 'header') {
      throw new DataFormatError(`${this.name}: truncated tar header at offset ${this.offset}`);
    }
    return this.out;
  }

  private take(n: number): Buffer {
    const all = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingLen);
    const head = all.subarray(0, n);
    const rest = all.subarray(n);
    this.pending = rest.length > 0 ? [rest] : [];
    this.pendingLen = rest.length;
    this.offset += n;
    return head;
  }

  private header(h: Buffer): void {
    if (h.every((b) => b === 0)) {
      this.state = 'end'; // end-of-archive marker (two zero blocks; one is enough to stop)
      return;
    }
    const at = this.offset - BLOCK;
    const stored = parseOctal(h.subarray(148, 156));
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
    if (stored !== sum) throw new DataFormatError(`${this.name}: corrupt tar header at offset ${at} (checksum ${stored} != ${sum})`);
    const type = String.fromCharCode(h[156]! || 0x30);
    let entryPath = cString(h.subarray(0, 100));
    const prefix = h.subarray(257, 263).toString('latin1') === 'ustar\0' ? cString(h.subarray(345, 500)) : '';
    if (prefix) entryPath = `${prefix}/${entryPath}`;
    if (this.nextPath !== undefined && type !== 'L' && type !== 'x') {
      entryPath = this.nextPath;
      this.nextPath = undefined;
    }
    const size = parseOctal(h.subarray(124, 136));
    const meta = type === 'L' || type === 'x' || type === 'g';
    const keep = meta ? type !== 'g' : (type === '0' || type === '7') && this.want(entryPath);
    this.entry = { path: entryPath, size, keep, type, chunks: [] };
    this.bodyLeft = Math.ceil(size / BLOCK) * BLOCK;
    if (this.bodyLeft === 0) this.complete();
    else this.state = 'body';
  }

  private body(part: Buffer): void {
    const e = this.entry!;
    const consumed = Math.ceil(e.size / BLOCK) * BLOCK - this.bodyLeft;
    if (e.keep && consumed < e.size) e.chunks.push(Buffer.from(part.subarray(0, Math.min(part.length, e.size - consumed))));
    this.bodyLeft -= part.length;
    if (this.bodyLeft === 0) this.complete();
  }

  private complete(): void {
    const e = this.entry!;
    this.state = 'header';
    if (!e.keep) return;
    const data = Buffer.concat(e.chunks, e.size);
    if (e.type === 'L') this.nextPath = cString(data);
    else if (e.type === 'x') {
      const p = paxPath(data);
      if (p !== undefined) this.nextPath = p;
    } else this.out.set(e.path, data);
  }
}

function cString(b: Buffer): string {
  const end = b.indexOf(0);
  return b.subarray(0, end < 0 ? b.length : end).toString('utf8');
}

function parseOctal(b: Buffer): number {
  const s = cString(b).trim();
  return s === '' ? 0 : Number.parseInt(s, 8);
}

/** The `path` record of a pax extended header ("LEN path=VALUE\n" records). */
function paxPath(data: Buffer): string | undefined {
  let i = 0;
  let found: string | undefined;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = Number.parseInt(data.subarray(i, sp).toString('latin1'), 10);
    if (!(len > 0)) break;
    const rec = data.subarray(sp + 1, i + len - 1).toString('utf8');
    if (rec.startsWith('path=')) found = rec.slice(5);
    i += len;
  }
  return found;
}
