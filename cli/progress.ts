/**
 * A terminal progress bar on stderr. On a TTY it redraws one line; elsewhere
 * (CI logs, pipes) it prints a plain line at most every `logEveryMs`, so long
 * jobs still show they are alive without flooding the log.
 */
export interface ProgressBar {
  update(done: number, note?: string): void;
  setTotal(total: number): void;
  finish(note?: string): void;
}

export function createProgressBar(
  label: string,
  total: number,
  /** startedAt (Date.now() ms): when the work began, for a bar that joins it midway (its ETA needs the whole elapsed time). */
  opts: { stream?: NodeJS.WriteStream; logEveryMs?: number; width?: number; startedAt?: number } = {},
): ProgressBar {
  const stream = opts.stream ?? process.stderr;
  const tty = Boolean(stream.isTTY);
  const logEveryMs = opts.logEveryMs ?? 5000;
  const width = opts.width ?? 28;
  // Without startedAt the clock starts at the first update, and the ETA comes from the rate since then:
  // a bar made before an earlier stage, or one resumed at 60%, would otherwise promise the wrong finish.
  let first: { at: number; done: number } | undefined = opts.startedAt === undefined ? undefined : { at: opts.startedAt, done: 0 };
  let lastPrint = 0;
  let lastLine = '';

  function render(done: number, note: string): string {
    first ??= { at: Date.now(), done };
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(frac * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    const elapsed = (Date.now() - first.at) / 1000;
    const rate = (done - first.done) / elapsed;
    const eta = frac < 1 && rate > 0 && elapsed > 0 ? ` eta ${formatSeconds((total - done) / rate)}` : '';
    const pct = (frac * 100).toFixed(1).padStart(5);
    return `${label} [${bar}] ${pct}% ${done}/${total} ${formatSeconds(elapsed)}${eta}${note ? ` ${note}` : ''}`;
  }

  function print(line: string, force: boolean): void {
    const now = Date.now();
    if (tty) {
      if (!force && now - lastPrint < 100) return;
      stream.write(`\r${line.padEnd(lastLine.length)}`);
    } else {
      if (!force && now - lastPrint < logEveryMs) return;
      stream.write(`${line}\n`);
    }
    lastPrint = now;
    lastLine = line;
  }

  let current = 0;
  return {
    update(done, note = '') {
      current = done;
      print(render(done, note), false);
    },
    setTotal(t) {
      total = t;
    },
    finish(note = '') {
      print(render(total > 0 ? Math.max(current, total) : current, note), true);
      if (tty) stream.write('\n');
    },
  };
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
