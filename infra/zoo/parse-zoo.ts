/**
 * The zoo file: JSON, validated field by field with messages that name the
 * line ("zoo.json line 7: models[1].path: expected a string"), every problem
 * at once, before anything starts. Pure: text in, ZooSpec or ZooFileError out
 * (relative paths are resolved against `baseDir`, without touching the disk).
 *
 * {
 *   "name": "resnet20-cifar10",                 optional, [A-Za-z0-9_-]
 *   "datasets": { "cifar10": "cifar10:../.seamflow/datasets/cifar10" },
 *   "models": [ { "name": "resnet20", "path": "../shared/models/resnet20-cifar10",
 *                 "dataset": "cifar10", "settings": { ... }, "targets": ["cat"], "limit": 2000 } ],
 *   "targets": [ { "name": "cat", "classes": [3] },
 *                { "name": "vehicles", "mode": "multiclass", "classes": [0, 1, 8, 9] } ],
 *   "settings": { "epochs": 30, "batchSize": 64 },   defaults for every model
 *   "limit": 2000, "valFraction": 0.1, "checkpointEverySteps": 50,
 *   "concurrency": 2, "continueAsNewAfter": 400
 * }
 */
import path from 'node:path';
import { formatDatasetSpec, parseDatasetSpec, type DatasetSpec } from '../../engine/data/spec.js';
import type { SearchSettings } from '../../engine/search/search.js';
import { validateArtifactKey } from '../artifacts/artifact-key.js';
import { formatPath, parseJsonWithPositions, JsonSyntaxError, type PathPart, type SourcePos } from './json-locate.js';
import { ZOO_DEFAULTS, ZOO_NAME, type ZooModel, type ZooSpec, type ZooTarget } from './zoo-spec.js';

export interface ZooIssue {
  path: string;
  line: number;
  column: number;
  message: string;
}

export class ZooFileError extends Error {
  override name = 'ZooFileError';
  constructor(
    readonly file: string,
    readonly issues: ZooIssue[],
  ) {
    super(issues.map((i) => formatIssue(file, i)).join('\n'));
  }
}

export function formatIssue(file: string, i: ZooIssue): string {
  return `${file} line ${i.line}: ${i.path === '' ? '' : `${i.path}: `}${i.message}`;
}

export interface ParseZooOptions {
  /** How the file is named in messages. */
  file?: string;
  /** Folder relative model paths and dataset folders are resolved against (the zoo file's folder). */
  baseDir?: string;
  /** Name for a zoo file without "name". */
  defaultName?: string;
}

type Obj = Record<string, unknown>;

const TOP_KEYS = ['name', 'description', 'datasets', 'models', 'targets', 'settings', 'limit', 'valFraction', 'checkpointEverySteps', 'concurrency', 'continueAsNewAfter'];
const MODEL_KEYS = ['name', 'path', 'key', 'dataset', 'settings', 'targets', 'limit', 'valFraction'];
const TARGET_KEYS = ['name', 'mode', 'classes'];
const SETTINGS_KEYS = ['granularity', 'head', 'alpha', 'lrMask', 'lrHead', 'epochs', 'batchSize', 'seed', 'headOnlyEvery', 'earlyStop', 'stopAtWrr', 'augment'] as const;

/** Class ids each dataset kind has; a synthetic spec says its own. */
function classCount(spec: DatasetSpec): number {
  return spec.kind === 'synthetic' ? spec.params.classes : 10;
}

export function parseZoo(text: string, opts: ParseZooOptions = {}): ZooSpec {
  const file = opts.file ?? 'zoo.json';
  let located;
  try {
    located = parseJsonWithPositions(text);
  } catch (err) {
    if (err instanceof JsonSyntaxError) {
      throw new ZooFileError(file, [{ path: '', line: err.pos.line, column: err.pos.column, message: `not valid JSON: ${err.reason}` }]);
    }
    throw err;
  }
  const issues: ZooIssue[] = [];
  const posOf = (parts: readonly PathPart[]): SourcePos => {
    // The value's own position, else its nearest located parent (a missing field points at its object).
    for (let n = parts.length; n >= 0; n--) {
      const p = located.positions.get(formatPath(parts.slice(0, n)));
      if (p) return p;
    }
    return { line: 1, column: 1 };
  };
  const issue = (parts: readonly PathPart[], message: string) => {
    const p = posOf(parts);
    issues.push({ path: formatPath(parts), line: p.line, column: p.column, message });
  };
  const baseDir = opts.baseDir;
  const resolvePath = (p: string) => (baseDir && !path.isAbsolute(p) ? path.resolve(baseDir, p) : p);

  const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`);
  const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
  const expectObj = (v: unknown, at: PathPart[]): v is Obj => {
    if (isObj(v)) return true;
    issue(at, `expected an object, got ${describe(v)}`);
    return false;
  };
  const unknownKeys = (o: Obj, allowed: readonly string[], at: PathPart[]) => {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) issue([...at, k], `unknown field (known: ${allowed.join(', ')})`);
  };
  const str = (o: Obj, key: string, at: PathPart[], required: boolean): string | undefined => {
    const v = o[key];
    if (v === undefined) {
      if (required) issue(at, `"${key}" is required`);
      return undefined;
    }
    if (typeof v !== 'string' || v.trim() === '') {
      issue([...at, key], typeof v === 'string' ? 'expected a non-empty string' : `expected a string, got ${describe(v)}`);
      return undefined;
    }
    return v;
  };
  const num = (o: Obj, key: string, at: PathPart[], check: { int?: boolean; min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean }): number | undefined => {
    const v = o[key];
    if (v === undefined) return undefined;
    const what = [
      check.int ? 'an integer' : 'a number',
      check.min !== undefined ? `${check.minExclusive ? '>' : '>='} ${check.min}` : '',
      check.max !== undefined ? `${check.maxExclusive ? '<' : '<='} ${check.max}` : '',
    ]
      .filter(Boolean)
      .join(' ')
      .replace(/(\d) (<)/, '$1 and $2');
    const ok =
      typeof v === 'number' &&
      Number.isFinite(v) &&
      (!check.int || Number.isInteger(v)) &&
      (check.min === undefined || (check.minExclusive ? v > check.min : v >= check.min)) &&
      (check.max === undefined || (check.maxExclusive ? v < check.max : v <= check.max));
    if (!ok) {
      issue([...at, key], `expected ${what}, got ${describe(v)}`);
      return undefined;
    }
    return v as number;
  };
  const name = (o: Obj, at: PathPart[], fallback: string | undefined, what: string): string | undefined => {
    const v = str(o, 'name', at, fallback === undefined);
    if (v === undefined) return o.name === undefined ? fallback : undefined;
    if (!ZOO_NAME.test(v)) {
      issue([...at, 'name'], `${what} names use letters, digits, "_" and "-" (at most 48, starting with a letter or digit), got ${JSON.stringify(v)}`);
      return undefined;
    }
    return v;
  };

  const settingsOf = (v: unknown, at: PathPart[]): Partial<SearchSettings> => {
    if (v === undefined) return {};
    if (!expectObj(v, at)) return {};
    unknownKeys(v, SETTINGS_KEYS, at);
    const out: Partial<SearchSettings> = {};
    const choice = <K extends 'granularity' | 'head'>(key: K, allowed: readonly string[]) => {
      const x = v[key];
      if (x === undefined) return;
      if (typeof x !== 'string' || !allowed.includes(x)) issue([...at, key], `expected ${allowed.map((a) => `"${a}"`).join(' or ')}, got ${describe(x)}`);
      else out[key] = x as SearchSettings[K];
    };
    choice('granularity', ['weight', 'filter']);
    choice('head', ['appended', 'sliced']);
    const set = <K extends keyof SearchSettings>(key: K, n: number | undefined) => {
      if (n !== undefined) (out as Record<string, unknown>)[key] = n;
    };
    set('alpha', num(v, 'alpha', at, { min: 0 }));
    set('lrMask', num(v, 'lrMask', at, { min: 0, minExclusive: true }));
    set('lrHead', num(v, 'lrHead', at, { min: 0, minExclusive: true }));
    set('epochs', num(v, 'epochs', at, { int: true, min: 1 }));
    set('batchSize', num(v, 'batchSize', at, { int: true, min: 1 }));
    set('seed', num(v, 'seed', at, { int: true, min: 0 }));
    set('headOnlyEvery', num(v, 'headOnlyEvery', at, { int: true, min: 0 }));
    set('earlyStop', num(v, 'earlyStop', at, { int: true, min: 0 }));
    set('stopAtWrr', num(v, 'stopAtWrr', at, { min: 0, max: 1 }));
    if (v.augment !== undefined) {
      if (typeof v.augment !== 'boolean') issue([...at, 'augment'], `expected true or false, got ${describe(v.augment)}`);
      else out.augment = v.augment;
    }
    return out;
  };

  const root = located.value;
  if (!isObj(root)) {
    issue([], `a zoo file is a JSON object with "models", "datasets" and "targets", got ${describe(root)}`);
    throw new ZooFileError(file, issues);
  }
  unknownKeys(root, TOP_KEYS, []);
  const zooName = name(root, [], opts.defaultName ?? 'zoo', 'zoo');
  if (root.description !== undefined && typeof root.description !== 'string') issue(['description'], `expected a string, got ${describe(root.description)}`);
  const defaults = settingsOf(root.settings, ['settings']);
  const limit = num(root, 'limit', [], { int: true, min: 1 });
  const valFraction = num(root, 'valFraction', [], { min: 0, max: 1, minExclusive: true, maxExclusive: true });
  const checkpointEverySteps = num(root, 'checkpointEverySteps', [], { int: true, min: 0 });
  const concurrency = num(root, 'concurrency', [], { int: true, min: 1, max: ZOO_DEFAULTS.maxConcurrency }) ?? ZOO_DEFAULTS.concurrency;
  const continueAsNewAfter = num(root, 'continueAsNewAfter', [], { int: true, min: 1 }) ?? ZOO_DEFAULTS.continueAsNewAfter;

  // datasets: name -> spec string
  const datasets = new Map<string, DatasetSpec>();
  if (root.datasets === undefined) issue([], '"datasets" is required (an object: name -> dataset spec such as "cifar10:DIR")');
  else if (expectObj(root.datasets, ['datasets'])) {
    const entries = Object.entries(root.datasets);
    if (entries.length === 0) issue(['datasets'], 'name at least one dataset');
    for (const [dsName, spec] of entries) {
      const at = ['datasets', dsName];
      if (!ZOO_NAME.test(dsName)) issue(at, `dataset names use letters, digits, "_" and "-", got ${JSON.stringify(dsName)}`);
      if (typeof spec !== 'string') {
        issue(at, `expected a dataset spec string (cifar10:DIR | mnist:DIR | fashion-mnist[:DIR] | synthetic[:k=v,...]), got ${describe(spec)}`);
        continue;
      }
      try {
        const parsed = parseDatasetSpec(spec);
        datasets.set(dsName, parsed.kind === 'synthetic' ? parsed : { ...parsed, dir: resolvePath(parsed.dir) });
      } catch (err) {
        issue(at, (err as Error).message);
      }
    }
  }

  // targets
  const targets: ZooTarget[] = [];
  const targetIndex = new Map<string, number>();
  if (root.targets === undefined) issue([], '"targets" is required (a list of {"name", "classes", "mode"?})');
  else if (!Array.isArray(root.targets)) issue(['targets'], `expected an array of targets, got ${describe(root.targets)}`);
  else {
    if (root.targets.length === 0) issue(['targets'], 'list at least one target');
    root.targets.forEach((t, i) => {
      const at: PathPart[] = ['targets', i];
      if (!expectObj(t, at)) return;
      unknownKeys(t, TARGET_KEYS, at);
      let classes: number[] | undefined;
      if (t.classes === undefined) issue(at, '"classes" is required (class ids, e.g. [3] or [0, 1, 8, 9])');
      else if (!Array.isArray(t.classes) || t.classes.length === 0) issue([...at, 'classes'], `expected a non-empty array of class ids, got ${describe(t.classes)}`);
      else {
        const ok = t.classes.every((c, j) => {
          if (typeof c === 'number' && Number.isInteger(c) && c >= 0) return true;
          issue([...at, 'classes', j], `expected a class id (an integer >= 0), got ${describe(c)}`);
          return false;
        });
        const list = t.classes as number[];
        const dup = list.findIndex((c, j) => list.indexOf(c) !== j);
        if (ok && dup >= 0) issue([...at, 'classes', dup], `class ${list[dup]} is listed twice`);
        else if (ok) classes = list;
      }
      let mode: ZooTarget['mode'] | undefined = classes && classes.length === 1 ? 'binary' : 'multiclass';
      if (t.mode !== undefined) {
        if (t.mode !== 'binary' && t.mode !== 'multiclass') {
          issue([...at, 'mode'], `expected "binary" or "multiclass", got ${describe(t.mode)}`);
          mode = undefined;
        } else mode = t.mode;
      }
      if (mode === 'binary' && classes && classes.length !== 1) {
        issue([...at, 'classes'], `a binary target has exactly one class (it against the rest), got ${classes.length}`);
        classes = undefined;
      }
      const fallback = classes && mode ? `${mode === 'binary' ? 'binary' : 'multi'}-${classes.join('-')}`.slice(0, 48) : undefined;
      const tName = name(t, at, fallback ?? '', 'target');
      if (tName && targets.some((x) => x.name === tName)) issue(t.name === undefined ? at : [...at, 'name'], `target name "${tName}" is used twice`);
      else if (tName && classes && mode) {
        targets.push({ name: tName, mode, classes });
        targetIndex.set(tName, i);
      }
    });
  }

  // models
  const models: ZooModel[] = [];
  if (root.models === undefined) issue([], '"models" is required (a list of {"name", "path" | "key", "dataset"?})');
  else if (!Array.isArray(root.models)) issue(['models'], `expected an array of models, got ${describe(root.models)}`);
  else {
    if (root.models.length === 0) issue(['models'], 'list at least one model');
    root.models.forEach((m, i) => {
      const at: PathPart[] = ['models', i];
      if (!expectObj(m, at)) return;
      unknownKeys(m, MODEL_KEYS, at);
      const p = str(m, 'path', at, false);
      const key = str(m, 'key', at, false);
      let model: string | undefined;
      if (m.path !== undefined && m.key !== undefined) issue(at, 'give either "path" (a model folder) or "key" (an artifact key models/...), not both');
      else if (m.path === undefined && m.key === undefined) issue(at, '"path" (a model folder) or "key" (an artifact key models/...) is required');
      else if (p !== undefined) model = resolvePath(p);
      else if (key !== undefined) {
        try {
          validateArtifactKey(key);
          if (!key.startsWith('models/')) throw new Error('model artifact keys start with "models/"');
          model = key;
        } catch (err) {
          issue([...at, 'key'], (err as Error).message);
        }
      }
      const fallbackName = (p ?? key ?? '')
        .replace(/\/+$/, '')
        .split('/')
        .filter((s) => s !== '' && s !== 'models' && s !== 'model.bin')
        .pop()
        ?.replace(/[^A-Za-z0-9_-]/g, '-')
        .replace(/^[^A-Za-z0-9]+/, '')
        .slice(0, 48);
      const mName = name(m, at, fallbackName || `model${i}`, 'model');
      if (mName && models.some((x) => x.name === mName)) issue(m.name === undefined ? at : [...at, 'name'], `model name "${mName}" is used twice`);

      let dsName = str(m, 'dataset', at, false);
      if (dsName === undefined && m.dataset === undefined) {
        if (datasets.size === 1) dsName = [...datasets.keys()][0];
        else if (datasets.size > 1) issue(at, `"dataset" is required when the zoo has several datasets (${[...datasets.keys()].join(', ')})`);
      } else if (dsName !== undefined && !datasets.has(dsName) && isObj(root.datasets) && !(dsName in root.datasets)) {
        issue([...at, 'dataset'], `unknown dataset "${dsName}" (known: ${[...datasets.keys()].join(', ') || 'none'})`);
        dsName = undefined;
      }
      const ds = dsName === undefined ? undefined : datasets.get(dsName);

      const overrides = settingsOf(m.settings, [...at, 'settings']);
      const mLimit = num(m, 'limit', at, { int: true, min: 1 }) ?? limit;
      const mVal = num(m, 'valFraction', at, { min: 0, max: 1, minExclusive: true, maxExclusive: true }) ?? valFraction;

      let targetNames = targets.map((t) => t.name);
      if (m.targets !== undefined) {
        if (!Array.isArray(m.targets) || m.targets.length === 0) {
          issue([...at, 'targets'], `expected a non-empty array of target names, got ${describe(m.targets)}`);
          targetNames = [];
        } else {
          targetNames = [];
          m.targets.forEach((tn, j) => {
            const known = Array.isArray(root.targets) ? (root.targets as unknown[]).some((t) => isObj(t) && t.name === tn) : false;
            if (typeof tn !== 'string') issue([...at, 'targets', j], `expected a target name, got ${describe(tn)}`);
            else if (!known && !targets.some((t) => t.name === tn)) issue([...at, 'targets', j], `unknown target "${tn}" (known: ${targets.map((t) => t.name).join(', ') || 'none'})`);
            else if (targetNames.includes(tn)) issue([...at, 'targets', j], `target "${tn}" is listed twice`);
            else targetNames.push(tn);
          });
        }
      }
      // Class ids against the model's dataset.
      if (ds) {
        const n = classCount(ds);
        for (const tn of targetNames) {
          const ti = targetIndex.get(tn) ?? -1;
          const t = targets.find((x) => x.name === tn);
          if (!t) continue;
          const bad = t.classes.findIndex((c) => c >= n);
          if (bad >= 0) {
            issue(ti >= 0 ? ['targets', ti, 'classes', bad] : at, `class ${t.classes[bad]} is out of range for model "${mName}" on dataset "${dsName}" (${n} classes: 0..${n - 1})`);
          }
        }
      }
      if (model !== undefined && mName && ds && dsName) {
        const entry: ZooModel = { name: mName, model, data: formatDatasetSpec(ds), dataset: dsName, settings: { ...defaults, ...overrides }, targets: targetNames };
        if (mLimit !== undefined) entry.limit = mLimit;
        if (mVal !== undefined) entry.valFraction = mVal;
        models.push(entry);
      }
    });
  }

  const runs = models.reduce((n, m) => n + m.targets.length, 0);
  if (runs > ZOO_DEFAULTS.maxRuns) {
    issue(['models'], `the zoo expands to ${runs} runs (models x targets); at most ${ZOO_DEFAULTS.maxRuns} per zoo file: split it`);
  }
  if (issues.length) {
    issues.sort((a, b) => a.line - b.line || a.column - b.column);
    throw new ZooFileError(file, issues);
  }
  const zoo: ZooSpec = { name: zooName!, models, targets, concurrency, continueAsNewAfter };
  if (checkpointEverySteps !== undefined) zoo.checkpointEverySteps = checkpointEverySteps;
  return zoo;
}
