/** Small statistics over repeated timings: medians resist GC pauses and neighbours on a shared machine. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN;
}

/** a / b, NaN when b is 0 or either side is missing. */
export function ratio(a: number, b: number): number {
  return b === 0 || !Number.isFinite(a) || !Number.isFinite(b) ? Number.NaN : a / b;
}

/** Drops the first `warmup` entries (compilation, heap growth, first-use allocation). */
export function afterWarmup<T>(values: readonly T[], warmup: number): T[] {
  return values.slice(Math.min(warmup, values.length));
}

/** Summary of timed runs in milliseconds. */
export interface TimingSummary {
  medianMs: number;
  minMs: number;
  maxMs: number;
  runs: number;
}

export function summarize(ms: readonly number[]): TimingSummary {
  return { medianMs: median(ms), minMs: Math.min(...ms), maxMs: Math.max(...ms), runs: ms.length };
}
