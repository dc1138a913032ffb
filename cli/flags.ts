import { parseArgs, type ParseArgsConfig } from 'node:util';
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

export function oneOf<T extends string>(flag: string, v: string | undefined, allowed: readonly T[]): T | undefined {
  if (v === undefined) return undefined;
  if (!allowed.includes(v as T)) throw new UsageError(`--${flag} must be ${allowed.join(' or ')}, got "${v}"`);
  return v as T;
}
