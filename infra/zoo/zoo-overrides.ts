/**
 * Overrides a zoo run may take on top of its file (`seamflow zoo run
 * --epochs/--concurrency`, POST /api/zoos): a quick trial of a zoo without
 * editing it. Pure; the checks live here so the CLI and the API refuse the
 * same values.
 */
import { ZOO_DEFAULTS, type ZooSpec } from './zoo-spec.js';

export interface ZooOverrides {
  /** Epochs of every model's search (replaces the zoo's defaults and per-model settings). */
  epochs?: number;
  /** At most this many child runs at once. */
  concurrency?: number;
}

export class ZooOverrideError extends Error {
  override name = 'ZooOverrideError';
  constructor(
    readonly field: keyof ZooOverrides,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

export const ZOO_OVERRIDE_RANGES: Record<keyof ZooOverrides, { min: number; max: number }> = {
  epochs: { min: 1, max: 100_000 },
  concurrency: { min: 1, max: ZOO_DEFAULTS.maxConcurrency },
};

/** The zoo with the overrides applied; ZooOverrideError for a value out of range. */
export function overrideZoo(zoo: ZooSpec, o: ZooOverrides): ZooSpec {
  for (const field of ['epochs', 'concurrency'] as const) {
    const v = o[field];
    const { min, max } = ZOO_OVERRIDE_RANGES[field];
    if (v !== undefined && !(Number.isInteger(v) && v >= min && v <= max)) throw new ZooOverrideError(field, `expected an integer from ${min} to ${max}, got ${v}`);
  }
  const out: ZooSpec = { ...zoo };
  if (o.concurrency !== undefined) out.concurrency = o.concurrency;
  if (o.epochs !== undefined) out.models = zoo.models.map((m) => ({ ...m, settings: { ...m.settings, epochs: o.epochs } }));
  return out;
}
