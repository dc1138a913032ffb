/**
 * Request validation for the API: every mistake is a ValidationError naming
 * the field, so a 400 says exactly what to fix. Unknown fields are refused
 * too (a typo must not be silently ignored).
 */
import { parseDatasetSpec } from '../engine/data/spec.js';
import type { TargetMode } from '../engine/data/types.js';
import { REUSE_DEFAULTS } from '../engine/defect/reuse-settings.js';
import { checkFinetunableHead, checkFreshNegatives, type FinetuneRequest } from '../engine/finetune/settings.js';
import { DEFAULT_LR_HEAD, PUBLISHED_BATCH, PUBLISHED_EPOCHS } from '../engine/search/defaults.js';
import type { SearchSettings } from '../engine/search/search.js';
import { SEARCH_SELECTS } from '../engine/search/selection.js';
import { PENALTIES } from '../engine/masks/masks.js';
import { validateArtifactKey } from '../infra/artifacts/artifact-key.js';
import type { DefectSettings, ReengineerSpec } from '../workflows/types.js';
import { ValidationError } from './errors.js';

/** Workflow ids we accept from clients (path parameters, new run ids). */
export const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._:=+-]{0,199}$/;

export function validateRunId(id: unknown, field = 'id'): string {
  if (typeof id !== 'string' || !RUN_ID.test(id)) {
    throw new ValidationError(field, 'expected 1-200 characters from [A-Za-z0-9._:=+-], starting with a letter or digit');
  }
  return id;
}

type Obj = Record<string, unknown>;

function object(body: unknown, field = 'body'): Obj {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new ValidationError(field, 'expected a JSON object');
  return body as Obj;
}

function onlyKnown(o: Obj, known: readonly string[], prefix = ''): void {
  for (const k of Object.keys(o)) if (!known.includes(k)) throw new ValidationError(`${prefix}${k}`, `unknown field (known: ${known.join(', ')})`);
}

function str(o: Obj, field: string, opts: { required?: boolean; max?: number } = {}): string | undefined {
  const v = o[field];
  if (v === undefined || v === null || v === '') {
    if (opts.required) throw new ValidationError(field, 'is required');
    return undefined;
  }
  if (typeof v !== 'string') throw new ValidationError(field, `expected a string, got ${typeof v}`);
  const t = v.trim();
  if (t === '') throw new ValidationError(field, 'must not be blank');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(t)) throw new ValidationError(field, 'must not contain control characters');
  if (t.length > (opts.max ?? 1000)) throw new ValidationError(field, `longer than ${opts.max ?? 1000} characters`);
  return t;
}

/** A number from JSON or from a form's string; undefined when absent. */
function num(o: Obj, field: string, check: (n: number) => boolean, what: string): number | undefined {
  const v = o[field];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n) || !check(n)) throw new ValidationError(field, `must be ${what}, got ${JSON.stringify(v)}`);
  return n;
}

const int = (o: Obj, field: string, min: number, max: number) =>
  num(o, field, (n) => Number.isInteger(n) && n >= min && n <= max, `an integer from ${min} to ${max}`);

function oneOf<T extends string>(o: Obj, field: string, allowed: readonly T[]): T | undefined {
  const v = o[field];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' || !allowed.includes(v as T)) throw new ValidationError(field, `must be ${allowed.join(' or ')}, got ${JSON.stringify(v)}`);
  return v as T;
}

/** Runs an engine check; its error becomes a ValidationError naming `field`. */
function asField(field: string, check: () => void): void {
  try {
    check();
  } catch (err) {
    throw new ValidationError(field, (err as Error).message);
  }
}

function bool(o: Obj, field: string): boolean | undefined {
  const v = o[field];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'on') return true;
  if (v === 'false') return false;
  throw new ValidationError(field, `must be true or false, got ${JSON.stringify(v)}`);
}

/** Class ids: an array of integers or a "1, 3" string; unique, within the dataset's classes. */
function classes(o: Obj, classCount: number): number[] {
  const v = o.classes;
  if (v === undefined || v === null || v === '') throw new ValidationError('classes', 'is required (target class ids, e.g. [1] or "3,5")');
  const parts: unknown[] = typeof v === 'string' ? v.split(',').map((s) => s.trim()) : Array.isArray(v) ? v : [v];
  const ids = parts.map((p) => (typeof p === 'number' ? p : typeof p === 'string' && p !== '' ? Number(p) : NaN));
  if (ids.length === 0) throw new ValidationError('classes', 'give at least one class id');
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id >= classCount) throw new ValidationError('classes', `class ids must be integers from 0 to ${classCount - 1} for this dataset, got ${JSON.stringify(v)}`);
  }
  if (new Set(ids).size !== ids.length) throw new ValidationError('classes', `repeated class id in ${JSON.stringify(v)}`);
  return ids;
}

export const START_RUN_FIELDS = [
  'model', 'data', 'classes', 'mode', 'granularity', 'head', 'alpha', 'lrMask', 'lrHead', 'epochs', 'batchSize', 'seed',
  'headOnlyEvery', 'earlyStop', 'stopAtWrr', 'stopMidEpoch', 'select', 'penalty', 'layerCost', 'augment', 'limit', 'valFraction', 'checkpointEverySteps', 'runId', 'label', 'defects',
  'finetune',
] as const;

export const DEFECT_FIELDS = ['attack', 'epochs', 'pruneThreshold', 'searchEpochs', 'limit', 'pgdSteps', 'seed'] as const;

/**
 * An optional nested object (an optional stage's settings): undefined when
 * absent; its errors name the nested field, e.g. `defects.pruneThreshold`.
 */
function nested<T>(o: Obj, field: string, known: readonly string[], parse: (n: Obj) => T): T | undefined {
  const v = o[field];
  if (v === undefined || v === null || v === '') return undefined;
  const n = object(v, field);
  try {
    onlyKnown(n, known);
    return parse(n);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    throw new ValidationError(`${field}.${err.field}`, err.message.slice(err.field.length + 2));
  }
}

/** The optional `defects` object (an evaluateDefects stage). The seed defaults to the run's. */
function defects(o: Obj, runSeed: number): DefectSettings | undefined {
  return nested(o, 'defects', DEFECT_FIELDS, (d) => {
    const attack = oneOf(d, 'attack', ['pgd', 'backdoor'] as const);
    if (!attack) throw new ValidationError('attack', 'is required (pgd or backdoor)');
    const out: DefectSettings = {
      attack,
      epochs: int(d, 'epochs', 1, 1000) ?? REUSE_DEFAULTS.epochs,
      pruneThreshold: num(d, 'pruneThreshold', (n) => n > 0 && n < 1, 'a number between 0 and 1 (exclusive)') ?? REUSE_DEFAULTS.pruneThreshold,
      seed: int(d, 'seed', 0, 2 ** 31 - 1) ?? runSeed,
    };
    const searchEpochs = int(d, 'searchEpochs', 1, 10_000);
    const limit = int(d, 'limit', 1, 10_000_000);
    const pgdSteps = int(d, 'pgdSteps', 1, 1000);
    if (searchEpochs !== undefined) out.searchEpochs = searchEpochs;
    if (limit !== undefined) out.limit = limit;
    if (pgdSteps !== undefined) out.pgdSteps = pgdSteps;
    return out;
  });
}

export const FINETUNE_FIELDS = ['epochs', 'lr', 'distill', 'temperature', 'freshNegatives'] as const;

/**
 * The optional `finetune` object (a finetuneModel stage after the search).
 * The sliced head on a binary target cannot be fine-tuned: that names `head`.
 */
function finetune(o: Obj, head: SearchSettings['head'], mode: TargetMode): FinetuneRequest | undefined {
  const req = nested(o, 'finetune', FINETUNE_FIELDS, (f) => {
    const epochs = int(f, 'epochs', 1, 10_000);
    if (epochs === undefined) throw new ValidationError('epochs', 'is required (fine-tuning epochs, an integer from 1 to 10000)');
    const lr = num(f, 'lr', (n) => n > 0 && n <= 100, 'a number > 0 and <= 100');
    const distill = num(f, 'distill', (n) => n >= 0 && n <= 1, 'a number from 0 to 1 (0 = no distillation)');
    const temperature = num(f, 'temperature', (n) => n > 0 && n <= 100, 'a number > 0 and <= 100');
    if (temperature !== undefined && !distill) throw new ValidationError('temperature', 'needs distill > 0 (the distillation weight)');
    const freshNegatives = bool(f, 'freshNegatives');
    return {
      epochs,
      ...(lr === undefined ? {} : { lr }),
      ...(distill ? { distill } : {}),
      ...(temperature === undefined ? {} : { temperature }),
      ...(freshNegatives ? { freshNegatives } : {}),
    };
  });
  if (req) {
    asField('head', () => checkFinetunableHead({ kind: head, mode }));
    asField('finetune.freshNegatives', () => checkFreshNegatives(req, mode));
  }
  return req;
}

export interface StartRunRequest {
  spec: ReengineerSpec;
  runId?: string;
}

/**
 * POST /api/runs: flat fields (what a form sends) -> a ReengineerSpec. The
 * defaults follow `seamflow reengineer` (published epochs and batch size;
 * alpha 1 and lrMask 0.05 where the published per-model values are not known
 * without reading the model).
 */
export function parseStartRun(body: unknown): StartRunRequest {
  const o = object(body);
  onlyKnown(o, START_RUN_FIELDS);
  const model = str(o, 'model', { required: true })!;
  if (model.startsWith('models/')) {
    asField('model', () => validateArtifactKey(model));
  }
  const data = str(o, 'data', { required: true })!;
  let classCount: number;
  try {
    const ds = parseDatasetSpec(data);
    classCount = ds.kind === 'synthetic' ? ds.params.classes : 10;
  } catch (err) {
    throw new ValidationError('data', (err as Error).message);
  }
  const ids = classes(o, classCount);
  const mode: TargetMode = oneOf<TargetMode>(o, 'mode', ['binary', 'multiclass']) ?? (ids.length === 1 ? 'binary' : 'multiclass');
  if (mode === 'multiclass' && ids.length < 2) throw new ValidationError('classes', 'multiclass mode needs at least two classes');
  const settings: SearchSettings = {
    granularity: oneOf(o, 'granularity', ['weight', 'filter'] as const) ?? 'weight',
    head: oneOf(o, 'head', ['appended', 'sliced'] as const) ?? 'appended',
    alpha: num(o, 'alpha', (n) => n >= 0 && n <= 1000, 'a number from 0 to 1000') ?? 1,
    lrMask: num(o, 'lrMask', (n) => n > 0 && n <= 100, 'a number > 0 and <= 100') ?? 0.05,
    lrHead: num(o, 'lrHead', (n) => n > 0 && n <= 100, 'a number > 0 and <= 100') ?? DEFAULT_LR_HEAD,
    epochs: int(o, 'epochs', 1, 10_000) ?? PUBLISHED_EPOCHS,
    batchSize: int(o, 'batchSize', 1, 4096) ?? PUBLISHED_BATCH,
    seed: int(o, 'seed', 0, 2 ** 31 - 1) ?? 0,
  };
  const headOnlyEvery = int(o, 'headOnlyEvery', 0, 10_000);
  const earlyStop = int(o, 'earlyStop', 0, 10_000);
  const stopAtWrr = num(o, 'stopAtWrr', (n) => n >= 0 && n <= 1, 'a number from 0 to 1');
  const augment = bool(o, 'augment');
  const stopMidEpoch = bool(o, 'stopMidEpoch');
  if (stopMidEpoch && stopAtWrr === undefined) throw new ValidationError('stopMidEpoch', 'needs stopAtWrr');
  if (stopMidEpoch) settings.stopMidEpoch = true;
  const select = oneOf(o, 'select', SEARCH_SELECTS);
  if (select !== undefined) settings.select = select;
  const penalty = oneOf(o, 'penalty', PENALTIES);
  const layerCost = num(o, 'layerCost', (n) => n >= 0, 'a number >= 0 (MACs per image; `seamflow layer-cost` on a worker measures it)');
  if (penalty !== undefined) settings.penalty = penalty;
  if (layerCost !== undefined) settings.layerCost = layerCost;
  if (penalty === 'latency' && layerCost === undefined) throw new ValidationError('layerCost', 'is needed by the latency penalty: the fixed cost of one layer in MACs per image (`seamflow layer-cost` on a worker measures it)');
  if (layerCost !== undefined && penalty !== 'latency') throw new ValidationError('layerCost', 'is only for penalty latency');
  if (headOnlyEvery !== undefined) settings.headOnlyEvery = headOnlyEvery;
  if (earlyStop !== undefined) settings.earlyStop = earlyStop;
  if (stopAtWrr !== undefined) settings.stopAtWrr = stopAtWrr;
  if (augment !== undefined) settings.augment = augment;
  const spec: ReengineerSpec = { model, data, target: { mode, classes: ids }, settings };
  const limit = int(o, 'limit', 1, 10_000_000);
  const valFraction = num(o, 'valFraction', (n) => n > 0 && n < 1, 'a number between 0 and 1 (exclusive)');
  const checkpointEverySteps = int(o, 'checkpointEverySteps', 0, 1_000_000);
  const label = str(o, 'label', { max: 200 });
  if (limit !== undefined) spec.limit = limit;
  if (valFraction !== undefined) spec.valFraction = valFraction;
  if (checkpointEverySteps !== undefined) spec.checkpointEverySteps = checkpointEverySteps;
  if (label !== undefined) spec.label = label;
  const defectSettings = defects(o, settings.seed);
  if (defectSettings) spec.defects = defectSettings;
  const finetuneRequest = finetune(o, settings.head, mode);
  if (finetuneRequest) spec.finetune = finetuneRequest;
  const runId = o.runId === undefined || o.runId === '' ? undefined : validateRunId(o.runId, 'runId');
  return { spec, runId };
}

export interface CreateScheduleRequest {
  name: string;
  cron: string;
  zoo: unknown;
  paused?: boolean;
  note?: string;
  catchupWindow?: string;
}

/** POST /api/schedules: shape only; name, cron and zoo are checked by infra/zoo (the same rules as the CLI). */
export function parseCreateSchedule(body: unknown): CreateScheduleRequest {
  const o = object(body);
  onlyKnown(o, ['name', 'cron', 'zoo', 'paused', 'note', 'catchupWindow']);
  const name = str(o, 'name', { required: true, max: 64 })!;
  const cron = str(o, 'cron', { required: true, max: 200 })!;
  let zoo = o.zoo;
  if (zoo === undefined || zoo === null || zoo === '') throw new ValidationError('zoo', 'is required (a zoo spec: the contents of a zoo.json)');
  if (typeof zoo === 'string') {
    try {
      zoo = JSON.parse(zoo);
    } catch (err) {
      throw new ValidationError('zoo', `not valid JSON: ${(err as Error).message}`);
    }
  }
  object(zoo, 'zoo');
  const catchupWindow = str(o, 'catchupWindow', { max: 40 });
  if (catchupWindow !== undefined && !/^\d+\s*(ms|s|m|h|d|seconds?|minutes?|hours?|days?)$/.test(catchupWindow)) {
    throw new ValidationError('catchupWindow', `expected a duration such as 30m, 1h or 2 hours, got ${JSON.stringify(catchupWindow)}`);
  }
  return { name, cron, zoo, paused: bool(o, 'paused'), note: str(o, 'note', { max: 500 }), catchupWindow };
}

/** ?limit= style query integers. */
export function queryInt(q: unknown, field: string, min: number, max: number, fallback: number): number {
  const o = (q ?? {}) as Obj;
  return int(o, field, min, max) ?? fallback;
}
