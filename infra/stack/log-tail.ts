import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * The last `maxLines` lines of a log file, read from byte `fromOffset` on (so an
 * appended log shows only the current run). Never throws: it is used in error paths.
 */
export function logTail(file: string, fromOffset = 0, maxLines = 30, maxBytes = 64 * 1024): string {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const start = Math.max(fromOffset, size - maxBytes);
    const buf = Buffer.alloc(Math.max(0, size - start));
    readSync(fd, buf, 0, buf.length, start);
    const lines = buf.toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines.slice(-maxLines).join('\n');
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** An error message followed by the server log's tail, so a failed start explains itself. */
export function withLogTail(message: string, file: string, fromOffset = 0): string {
  const tail = logTail(file, fromOffset);
  return tail ? `${message}\n--- last lines of ${file} ---\n${tail}` : `${message} (log: ${file})`;
}
