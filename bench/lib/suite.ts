/** What every suite gets and gives back; bench/main.ts does the writing. */
import type { Row } from './plots.js';

export interface SuiteOptions {
  quick: boolean;
  /** Remaining `--flag value` options, suite-specific (e.g. --targets, --epochs). */
  flags: Record<string, string | boolean>;
  /** Base name of the result files, for links from the markdown to the plots. */
  base: string;
  /** Folder the result files go to (a suite may read its earlier results there). */
  out?: string;
}

export interface SuiteOutput {
  /** Everything measured and every setting (written as <base>.json). */
  json: Record<string, unknown>;
  markdown: string;
  /** name -> SVG text, written as <base>-<name>.svg. */
  plots: Record<string, string>;
}

export interface Suite {
  name: string;
  describe: string;
  run(opts: SuiteOptions): Promise<SuiteOutput>;
}

export type { Row };

export function flagNumber(flags: SuiteOptions['flags'], name: string): number | undefined {
  const v = flags[name];
  if (v === undefined || typeof v === 'boolean') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got "${v}"`);
  return n;
}

/** `{ [key]: v }`, or nothing when the flag was not given: spread into settings so absent flags keep the defaults. */
export function optionalField<K extends string>(key: K, v: number | undefined): Partial<Record<K, number>> {
  return v === undefined ? {} : ({ [key]: v } as Record<K, number>);
}

export function flagString(flags: SuiteOptions['flags'], name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}
