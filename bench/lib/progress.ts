/** One-line progress for long suites, on stderr (stdout stays clean for the summary). */
import { formatSeconds } from '../../cli/progress.js';

export function say(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

export function since(start: number): string {
  return formatSeconds((performance.now() - start) / 1000);
}
