import { Rng } from '../random.js';
import { DataSpecError } from './errors.js';
import { gatherImages } from './subset.js';
import type { Dataset, ImageSet, TargetMode, TargetProblem } from './types.js';

/**
 * Target problems (METHOD.md, "Data for a target problem"):
 * - binary, one class t: every image of t (label 0) plus an equal-sized seeded
 *   random sample of all other classes (label 1); the test part is built the
 *   same way from the test split;
 * - multiclass, classes T: every image of T, classes[i] relabelled i.
 * The validation part is a seeded split of the training part, stratified by
 * the new label; the test split is never touched for it.
 */
export interface TargetOptions {
  mode: TargetMode;
  classes: number[];
  seed: number;
  /** Fraction of the training part held out for model selection; default 0.1, 0 for none. */
  valFraction?: number;
}

type LabelledSet = ImageSet & { originalLabels: Int32Array };

export function makeTargetProblem(ds: Dataset, opts: TargetOptions): TargetProblem {
  const numClasses = ds.classNames.length;
  validateTargetClasses(opts.mode, opts.classes, numClasses);
  const valFraction = opts.valFraction ?? 0.1;
  if (!(valFraction >= 0 && valFraction < 1)) {
    throw new DataSpecError(`valFraction must be in [0, 1), got ${valFraction}`);
  }
  if (!Number.isInteger(opts.seed)) throw new DataSpecError(`seed must be an integer, got ${opts.seed}`);
  const seed = opts.seed >>> 0;
  // One stream per purpose: changing valFraction must not change which negatives are drawn.
  const trainPick = pick(ds, 'train', opts, new Rng(seed));
  const testPick = pick(ds, 'test', opts, new Rng((seed ^ 0x7e577e57) >>> 0));
  const relabel = relabeller(opts.mode, opts.classes);
  const [trainIdx, valIdx] = stratifiedSplit(trainPick, ds.train.labels, relabel, valFraction, new Rng((seed ^ 0x0a11da7e) >>> 0));
  if (valFraction > 0 && valIdx.length === 0) {
    throw new DataSpecError(`valFraction ${valFraction} leaves no validation images (${trainPick.length} training images)`);
  }
  return {
    mode: opts.mode,
    classes: [...opts.classes],
    numOutputs: opts.mode === 'binary' ? 2 : opts.classes.length,
    train: build(ds.train, trainIdx, relabel),
    val: build(ds.train, valIdx, relabel),
    test: build(ds.test, testPick, relabel),
  };
}

/** Checks the class ids for a mode; every message names the offending ids and the valid range. */
export function validateTargetClasses(mode: TargetMode, classes: readonly number[], numClasses: number): void {
  const range = `0..${numClasses - 1}`;
  if (mode !== 'binary' && mode !== 'multiclass') {
    throw new DataSpecError(`unknown target mode "${String(mode)}"; expected binary or multiclass`);
  }
  if (classes.length === 0) throw new DataSpecError(`empty class list; expected class ids in ${range}`);
  const bad = classes.filter((c) => !Number.isInteger(c) || c < 0 || c >= numClasses);
  if (bad.length > 0) {
    throw new DataSpecError(`class id${bad.length > 1 ? 's' : ''} ${bad.join(', ')} out of range ${range}`);
  }
  const dup = classes.filter((c, i) => classes.indexOf(c) !== i);
  if (dup.length > 0) throw new DataSpecError(`class ${[...new Set(dup)].join(', ')} listed more than once in [${classes.join(', ')}]`);
  if (mode === 'binary' && classes.length !== 1) {
    throw new DataSpecError(
      `a binary target problem takes exactly one class (one against the rest), got ${classes.length}: [${classes.join(', ')}]; use multiclass for a subset`,
    );
  }
  if (mode === 'multiclass' && classes.length < 2) {
    throw new DataSpecError(
      `a multiclass target problem needs at least 2 classes, got [${classes.join(', ')}]; use binary for one class against the rest`,
    );
  }
}

/**
 * Parses "0,1,8,9" (ranges like "0-3,8" allowed) into class ids; with
 * `numClasses`, ids must lie in 0..numClasses-1. Duplicates are refused.
 */
export function parseClassList(text: string, numClasses?: number): number[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new DataSpecError('empty class list; expected comma-separated ids like "0,1,8,9"');
  const out: number[] = [];
  for (const token of trimmed.split(',').map((t) => t.trim())) {
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(token);
    if (!m) {
      throw new DataSpecError(`class list "${text}": "${token}" is not a class id (a non-negative integer or a range like 2-5)`);
    }
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new DataSpecError(`class list "${text}": range "${token}" is empty (${hi} < ${lo})`);
    for (let c = lo; c <= hi; c++) {
      if (numClasses !== undefined && c >= numClasses) {
        throw new DataSpecError(`class list "${text}": class ${c} is out of range 0..${numClasses - 1}`);
      }
      if (out.includes(c)) throw new DataSpecError(`class list "${text}": class ${c} listed twice`);
      out.push(c);
    }
  }
  return out;
}

function relabeller(mode: TargetMode, classes: readonly number[]): (c: number) => number {
  if (mode === 'binary') return (c) => (c === classes[0] ? 0 : 1);
  const map = new Map(classes.map((c, i) => [c, i]));
  return (c) => map.get(c)!;
}

/** Indices (ascending) of the images of one split that belong to the problem. */
function pick(ds: Dataset, split: 'train' | 'test', opts: TargetOptions, rng: Rng): Int32Array {
  const labels = ds[split].labels;
  const where = split === 'train' ? 'training' : 'test';
  const name = (c: number) => `class ${c} (${ds.classNames[c] ?? '?'})`;
  if (opts.mode === 'multiclass') {
    const wanted = new Set(opts.classes);
    const counts = new Map<number, number>();
    const idx: number[] = [];
    for (let i = 0; i < labels.length; i++) {
      const c = labels[i]!;
      if (wanted.has(c)) {
        idx.push(i);
        counts.set(c, (counts.get(c) ?? 0) + 1);
      }
    }
    const empty = opts.classes.filter((c) => !counts.has(c));
    if (empty.length > 0) {
      throw new DataSpecError(`${empty.map(name).join(', ')}: no images in the ${where} split of ${ds.name}`);
    }
    return Int32Array.from(idx);
  }
  const t = opts.classes[0]!;
  const pos: number[] = [];
  const pool: number[] = [];
  for (let i = 0; i < labels.length; i++) (labels[i] === t ? pos : pool).push(i);
  if (pos.length === 0) throw new DataSpecError(`${name(t)}: no images in the ${where} split of ${ds.name}`);
  if (pool.length === 0) throw new DataSpecError(`binary target ${name(t)}: no images of other classes in the ${where} split of ${ds.name}`);
  const poolArr = Int32Array.from(pool);
  rng.shuffle(poolArr);
  const neg = poolArr.subarray(0, Math.min(pos.length, pool.length));
  return Int32Array.from([...pos, ...neg]).sort();
}

/**
 * [ours] The training-split negatives of a binary problem that it does not use
 * (neither its training nor its validation part): the binary problem samples as
 * many negatives as positives, which leaves 8 in 9 of CIFAR-10's other-class
 * images unseen. Fine-tuning can draw fresh negatives from them every epoch
 * (fresh-negatives.ts). Same options as makeTargetProblem, same draw.
 */
export function unusedNegatives(ds: Dataset, opts: TargetOptions): LabelledSet {
  if (opts.mode !== 'binary') throw new DataSpecError(`unused negatives exist only for a binary target problem, not ${opts.mode}`);
  validateTargetClasses(opts.mode, opts.classes, ds.classNames.length);
  const used = new Set(pick(ds, 'train', opts, new Rng(opts.seed >>> 0)));
  const t = opts.classes[0]!;
  const labels = ds.train.labels;
  const rest: number[] = [];
  for (let i = 0; i < labels.length; i++) if (labels[i] !== t && !used.has(i)) rest.push(i);
  return build(ds.train, Int32Array.from(rest), relabeller(opts.mode, opts.classes));
}

/** Splits `indices` into [train, val], holding out `fraction` of each new label (at least one where a label has 2+). */
function stratifiedSplit(
  indices: Int32Array,
  labels: Int32Array,
  relabel: (c: number) => number,
  fraction: number,
  rng: Rng,
): [Int32Array, Int32Array] {
  if (fraction === 0) return [indices, new Int32Array(0)];
  const groups = new Map<number, number[]>();
  for (const i of indices) {
    const y = relabel(labels[i]!);
    let g = groups.get(y);
    if (!g) groups.set(y, (g = []));
    g.push(i);
  }
  const train: number[] = [];
  const val: number[] = [];
  for (const y of [...groups.keys()].sort((a, b) => a - b)) {
    const g = Int32Array.from(groups.get(y)!);
    rng.shuffle(g);
    const nVal = g.length < 2 ? 0 : Math.min(g.length - 1, Math.max(1, Math.round(fraction * g.length)));
    for (let k = 0; k < g.length; k++) (k < nVal ? val : train).push(g[k]!);
  }
  return [Int32Array.from(train).sort(), Int32Array.from(val).sort()];
}

function build(set: ImageSet, indices: Int32Array, relabel: (c: number) => number): LabelledSet {
  const sub = gatherImages(set, indices);
  const originalLabels = sub.labels;
  const labels = originalLabels.map(relabel);
  return { ...sub, labels, originalLabels };
}
