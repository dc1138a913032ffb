import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../bench/lib/args.js';
import { fmt, points, table } from '../bench/lib/format.js';
import { resultBaseName } from '../bench/lib/result-files.js';
import { afterWarmup, median, ratio, summarize } from '../bench/lib/stats.js';
import { backendConfigs, summarizeBackend } from '../bench/suites/backend.js';
import type { WorkerResult } from '../bench/suites/backend-worker.js';

describe('bench statistics', () => {
  it('takes medians of odd and even counts without reordering the input', () => {
    const v = [5, 1, 3];
    expect(median(v)).toBe(3);
    expect(v).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
  it('drops warm-up runs and summarises', () => {
    expect(afterWarmup([100, 1, 2, 3], 1)).toEqual([1, 2, 3]);
    expect(afterWarmup([1], 5)).toEqual([]);
    expect(summarize([3, 1, 2])).toEqual({ medianMs: 2, minMs: 1, maxMs: 3, runs: 3 });
  });
  it('gives NaN ratios for a zero or missing base', () => {
    expect(ratio(1, 4)).toBe(0.25);
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(Number.NaN, 2)).toBeNaN();
  });
});

describe('bench reports', () => {
  it('names result files by suite, date and quick', () => {
    const d = new Date('2026-03-04T12:00:00Z');
    expect(resultBaseName('reengineer', d, false)).toBe('reengineer-2026-03-04');
    expect(resultBaseName('export', d, true)).toBe('export-2026-03-04-quick');
  });
  it('renders markdown tables and escapes pipes', () => {
    expect(table(['a', 'b'], [[1, 'x|y']])).toBe('| a | b |\n|---|---|\n| 1 | x\\|y |');
    expect(fmt(Number.NaN)).toBe('-');
    expect(fmt(1.234, 1)).toBe('1.2');
    expect(points(1.5)).toBe('+1.50');
    expect(points(-0.25)).toBe('-0.25');
  });
  it('parses suite, --quick, --out and suite flags', () => {
    expect(parseBenchArgs(['reengineer', '--quick', '--epochs', '4', '--targets=0,1', '--out', 'x'])).toEqual({
      suite: 'reengineer',
      quick: true,
      out: 'x',
      help: false,
      flags: { epochs: '4', targets: '0,1' },
    });
    expect(() => parseBenchArgs(['a', 'b'])).toThrow(/unexpected argument "b"/);
  });
});

describe('backend suite summary', () => {
  it('turns medians into images/s, GFLOP/s and the search/plain ratio', () => {
    const r: WorkerResult = {
      label: 'wasm-1t',
      backend: 'wasm',
      detail: 'SIMD',
      inferBatch: 256,
      inferMs: [1000, 2000, 1000],
      trainBatch: 64,
      searchStepMs: [1100, 1100],
      plainStepMs: [1000, 1000],
      convStepMs: [400, 600, 500],
      seconds: 1,
    };
    const s = summarizeBackend(r, 80e6);
    expect(s.inferImgPerS).toBe(256);
    expect(s.inferGflops).toBeCloseTo(256 * 0.08);
    expect(s.trainImgPerS).toBe(64);
    expect(s.trainGflops).toBeCloseTo(64 * 3 * 0.08);
    expect(s.searchToPlain).toBeCloseTo(1.1);
    expect(s.convStepMedianMs).toBe(500);
    expect(s.convShare).toBeCloseTo(0.5);
    expect(summarizeBackend({ ...r, searchStepMs: [], plainStepMs: [], convStepMs: [], trainBatch: 0 }, 80e6)).toMatchObject({ searchToPlain: null, convShare: null });
  });
  it('plans a wasm thread count per core and keeps the cpu backend out of --quick', () => {
    const quick = backendConfigs(true, 2);
    expect(quick.configs.map((c) => c.label)).toEqual(['tensorflow', 'wasm-1t', 'wasm-2t']);
    expect(quick.skipped['cpu']).toMatch(/skipped/);
    const full = backendConfigs(false, 1);
    expect(full.configs.map((c) => c.label)).toEqual(['tensorflow', 'wasm-1t', 'cpu']);
    expect(full.configs.find((c) => c.label === 'cpu')!.trainBatch).toBe(0);
  });
});
