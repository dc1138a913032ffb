import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { SideBySideOptions } from '../engine/export/side-by-side.js';
import type { BackendName } from '../infra/config.js';
import { UsageError } from './usage-error.js';

/**
 * Flag parsing shared by the commands: every mistake becomes a UsageError
 * naming the flag and the value, so the CLI prints it without a stack trace.
 */

/** Runs fn, turning any error it throws into a UsageError with the same message. */
export function usage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * parseArgs with `--help`/`-h` built in and no stray positionals. Returns
 * undefined after printing the help text (the command then exits 0).
 */
export function parseCommandLine<O extends Options>(
  argv: string[],
  options: O,
  help: string,
): ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: O }>>['values'] | undefined {
  const { values, positionals } = usage(() =>
    parseArgs({ args: argv, allowPositionals: true, options: { ...options, help: { type: 'boolean', short: 'h' } } }),
  );
  if ((values as { help?: boolean }).help) {
    console.log(help);
    return undefined;
  }
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}" (see --help)`);
  return values as ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; options: O }>>['values'];
}

export function numberFlag(flag: string, v: string | undefined, check: (n: number) => boolean, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || !check(n)) throw new UsageError(`--${flag} must be ${what}, got "${v}"`);
  return n;
}

export function intFlag(flag: string, v: string | undefined, min: number): number | undefined {
  return numberFlag(flag, v, (n) => Number.isInteger(n) && n >= min, `an integer >= ${min}`);
}

/** Like intFlag(flag, v, 1), worded "a positive integer". */
export function positiveInt(flag: string, v: string | undefined): number | undefined {
  return numberFlag(flag, v, (n) => Number.isInteger(n) && n >= 1, 'a positive integer');
}

/** An integer in [min, max] (ports, slot counts, seconds): "--flag expects an integer from min to max". */
export function intInRange(flag: string, v: string | undefined, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${flag} expects an integer from ${min} to ${max}, got "${v}"`);
  return n;
}

export function requireFlags(values: Record<string, unknown>, flags: readonly string[]): void {
  for (const f of flags) if (!values[f]) throw new UsageError(`--${f} is required (see --help)`);
}

export function oneOf<T extends string>(flag: string, v: string | undefined, allowed: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (!allowed.includes(v as T)) throw new UsageError(`--${flag} must be ${allowed.join(' or ')}, got "${v}"`);
  return v as T;
}

export function backendFlag(v: string | undefined): BackendName | undefined {
  if (v !== undefined && !['tensorflow', 'wasm', 'cpu'].includes(v)) throw new UsageError(`--backend must be tensorflow, wasm or cpu, got "${v}"`);
  return v as BackendName | undefined;
}

/** --batch-sizes / --runs / --warmup / --no-latency (compare, export); false for --no-latency. */
export function parseLatencyFlags(values: { 'batch-sizes'?: string; runs?: string; warmup?: string; 'no-latency'?: boolean }): SideBySideOptions | false {
  if (values['no-latency']) {
    for (const f of ['batch-sizes', 'runs', 'warmup'] as const) if (values[f] !== undefined) throw new UsageError(`--${f} makes no sense with --no-latency`);
    return false;
  }
  const batchSizes = values['batch-sizes']?.split(',').map((s) => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 1 || s.trim() === '') throw new UsageError(`--batch-sizes must be positive integers like 1,16,64, got "${values['batch-sizes']}"`);
    return n;
  });
  return { batchSizes, runs: positiveInt('runs', values.runs), warmup: intFlag('warmup', values.warmup, 0) };
}
