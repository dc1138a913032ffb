// The CLI progress bar's clock and ETA: a bar made long before its work
// starts (the fine-tuning bar exists during the whole search) and a bar
// resumed midway both predict the finish from the rate they actually see.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgressBar } from '../cli/progress.js';

function capture() {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => lines.push(s.trim()) } as unknown as NodeJS.WriteStream;
  return { lines, stream };
}

afterEach(() => vi.useRealTimers());

describe('createProgressBar', () => {
  it('starts its clock at the first update and takes the ETA from the rate since then', () => {
    vi.useFakeTimers({ now: 0 });
    const { lines, stream } = capture();
    const bar = createProgressBar('finetune', 100, { stream, logEveryMs: 0 });
    vi.setSystemTime(600_000); // an earlier stage ran for 10 minutes
    bar.update(60); // resumed at 60%
    vi.setSystemTime(610_000);
    bar.update(70); // 10 steps in 10 s: 30 left
    expect(lines.at(-1)).toBe('finetune [####################--------]  70.0% 70/100 10.0s eta 30.0s');
  });

  it('with startedAt, counts the whole work from then', () => {
    vi.useFakeTimers({ now: 100_000 });
    const { lines, stream } = capture();
    const bar = createProgressBar('search', 10, { stream, logEveryMs: 0, startedAt: 80_000 });
    bar.update(5); // 5 of 10 in 20 s: 20 s to go
    expect(lines.at(-1)).toBe('search [##############--------------]  50.0% 5/10 20.0s eta 20.0s');
  });
});
