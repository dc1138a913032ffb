import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Downloads a URL to a file with two timeouts: `connectMs` until the response
 * headers arrive (so an unreachable host fails fast) and `stallMs` without any
 * body bytes (so a slow but live transfer is not cut off). Throws on any
 * failure, leaving no partial file.
 */
export async function downloadFile(
  url: string,
  file: string,
  opts: { connectMs?: number; stallMs?: number; onProgress?: (bytes: number, total: number) => void } = {},
): Promise<number> {
  const controller = new AbortController();
  const connectMs = opts.connectMs ?? 8000;
  const stallMs = opts.stallMs ?? 60_000;
  let timer = setTimeout(() => controller.abort(new Error(`no response within ${connectMs / 1000}s`)), connectMs);
  try {
    const res = await fetch(url, { signal: controller.signal, redirect: 'follow' });
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    const total = Number(res.headers.get('content-length') ?? 0);
    let bytes = 0;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(new Error(`no data for ${stallMs / 1000}s`)), stallMs);
    };
    arm();
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
    body.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      arm();
      opts.onProgress?.(bytes, total);
    });
    await pipeline(body, createWriteStream(file));
    if (total > 0 && bytes !== total) throw new Error(`got ${bytes} of ${total} bytes`);
    return bytes;
  } catch (err) {
    await rm(file, { force: true });
    const reason = controller.signal.aborted ? controller.signal.reason : err;
    const e = reason as Error & { cause?: Error };
    throw new Error(e.cause?.message ? `${e.message}: ${e.cause.message}` : e.message);
  } finally {
    clearTimeout(timer);
  }
}
