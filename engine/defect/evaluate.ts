/**
 * One defect-inheritance measurement (`seamflow defect`, the evaluateDefects
 * activity): reuse the teacher for a target task by one method, then attack
 * the student:
 * - pgd: adversarial inputs from the teacher's feature extractor (pgd.ts),
 *   DIR of the student on the target task's test split;
 * - backdoor: the teacher's trigger (meta.json of a model trained with
 *   --poison) stamped on the test images not of the trigger's class, ASR of
 *   the student, beside the teacher's own ASR on the same images.
 */
import { loadDataset } from '../data/load.js';
import { formatDatasetSpec, parseDatasetSpec } from '../data/spec.js';
import { makeTargetProblem } from '../data/target.js';
import { balancedSubsetIndices, gatherImages } from '../data/subset.js';
import type { ImageSet, TargetMode, TargetProblem } from '../data/types.js';
import { loadGraph } from '../graph/import.js';
import { ModelInputError } from '../graph/model-folder.js';
import { disposeParams, prepareParams } from '../graph/params.js';
import type { Graph } from '../graph/types.js';
import { withTrigger } from '../train/poison.js';
import { accuracyOf, predictClasses } from '../train/predict.js';
import { readTrainedMeta, type TrainedModelMeta } from '../train/source-model.js';
import { backdoorTargetOf, type BackdoorTarget } from './backdoor-target.js';
import { DefectInputError } from './errors.js';
import { attackSuccessRate, defectInheritanceRate } from './metrics.js';
import { featureObjectiveOn, pgdAttack, PGD_DEFAULTS, type PgdSettings } from './pgd.js';
import { reuse, validateReuse, type ReuseHooks, type ReuseSettings } from './reuse.js';

export type AttackKind = 'pgd' | 'backdoor';

export interface DefectJob {
  teacher: string;
  data: string;
  classes: number[];
  mode?: TargetMode;
  limit?: number;
  attack: AttackKind;
  reuse: ReuseSettings;
  pgd?: Partial<PgdSettings>;
  /**
   * PGD inputs depend only on the teacher, the test split and the PGD
   * settings, not on the reuse method: pass one map to several evaluations
   * (standard, then seam) to compute them once.
   */
  adversarialCache?: Map<string, Float32Array>;
}

export interface DefectReport {
  kind: 'seamflow-defect-report';
  teacher: { dir: string; arch: string | null; dataset: string | null };
  data: { spec: string; limit: number | null; train: number; val: number; test: number };
  target: { mode: TargetMode; classes: number[]; classNames: string[] };
  method: ReuseSettings['method'];
  settings: { reuse: ReuseSettings; pgd?: PgdSettings };
  student: { accuracy: number; testImages: number };
  seam?: { headAccuracy: number; wrr: number; removed: number; searchEpochs: number; reachedBySearch: boolean };
  attack:
    | { kind: 'pgd'; unit: 'percent'; dir: number; correctClean: number; flipped: number; featureObjective: { clean: number; adversarial: number } }
    | { kind: 'backdoor'; unit: 'percent'; asr: number; hits: number; total: number; trigger: string; target: number; teacherAsr: number };
  timings: Record<string, number>;
}

export { DefectInputError };

export interface DefectHooks extends ReuseHooks {
  onPhase?: (phase: 'load' | 'reuse' | 'attack' | 'evaluate') => void;
  onAttackProgress?: (done: number, total: number) => void;
}

/**
 * One measurement on what a caller already holds: the teacher graph, its
 * meta.json (null when it has none), the target problem and the dataset's
 * class names. `evaluateDefect` (folders, the CLI) and the evaluateDefects
 * activity (artifact store) both end here.
 */
export interface DefectInput {
  teacher: Graph;
  meta: TrainedModelMeta | null;
  problem: TargetProblem;
  classNames: string[];
  attack: AttackKind;
  reuse: ReuseSettings;
  pgd?: Partial<PgdSettings>;
  /** Caps the test images the student is scored and attacked on (class-balanced): PGD is the costly part. */
  testLimit?: number;
  /** How the report names the teacher and the data (a folder, a data spec, an artifact key). */
  source: { teacher: string; data: string; limit: number | null };
  /** performance.now() when the caller started loading, so the report's load time includes it. */
  startedAt?: number;
  /** See DefectJob.adversarialCache: one map across methods computes the PGD inputs once. */
  adversarialCache?: Map<string, Float32Array>;
}

export async function evaluateDefect(job: DefectJob, hooks: DefectHooks = {}): Promise<{ report: DefectReport; student: Graph }> {
  validateReuse(job.reuse);
  const startedAt = performance.now();
  hooks.onPhase?.('load');
  const teacher = await loadGraph(job.teacher);
  const meta = await readTrainedMeta(job.teacher);
  const spec = formatDatasetSpec(parseDatasetSpec(job.data));
  const ds = await loadDataset(spec, { limit: job.limit });
  const mode: TargetMode = job.mode ?? (job.classes.length === 1 ? 'binary' : 'multiclass');
  const problem = makeTargetProblem(ds, { mode, classes: job.classes, seed: job.reuse.seed });
  return evaluateDefectOn(
    { teacher, meta, problem, classNames: ds.classNames, attack: job.attack, reuse: job.reuse, pgd: job.pgd, source: { teacher: job.teacher, data: spec, limit: job.limit ?? null }, startedAt, adversarialCache: job.adversarialCache },
    hooks,
  );
}

export async function evaluateDefectOn(input: DefectInput, hooks: DefectHooks = {}): Promise<{ report: DefectReport; student: Graph }> {
  validateReuse(input.reuse);
  const { teacher, meta, source } = input;
  const timings: Record<string, number> = {};
  let t = input.startedAt ?? performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = (now - t) / 1000;
    t = now;
  };
  checkInputShape(teacher, input.problem.test, source.data);
  const problem = input.testLimit === undefined ? input.problem : { ...input.problem, test: capSet(input.problem.test, input.testLimit) };
  const { mode, classes } = problem;

  // Checked before any training, so a bad request fails in seconds.
  const backdoor: BackdoorTarget | undefined = input.attack === 'backdoor' ? backdoorTargetOf(meta, problem, source.teacher) : undefined;
  lap('load');

  hooks.onPhase?.('reuse');
  const reused = await reuse(teacher, problem, input.reuse, hooks);
  const student = reused.student;
  lap('reuse');

  hooks.onPhase?.('evaluate');
  const test = problem.test;
  const cleanPred = await predictClasses(student, test);
  const accuracy = accuracyOf(cleanPred, test.labels);
  lap('evaluate');

  let attack: DefectReport['attack'];
  let pgdSettings: PgdSettings | undefined;
  hooks.onPhase?.('attack');
  if (input.attack === 'pgd') {
    pgdSettings = { ...PGD_DEFAULTS, seed: input.reuse.seed, ...input.pgd };
    const params = prepareParams(teacher);
    try {
      const key = JSON.stringify({ source, testLimit: input.testLimit ?? null, mode, classes, pgd: pgdSettings });
      let adv = input.adversarialCache?.get(key);
      if (!adv) {
        adv = await pgdAttack(teacher, params, test, pgdSettings, hooks.onAttackProgress);
        input.adversarialCache?.set(key, adv);
      }
      const advPred = await predictClasses(student, { ...test, images: adv });
      const d = defectInheritanceRate(cleanPred, advPred, test.labels);
      attack = {
        kind: 'pgd',
        unit: 'percent',
        dir: d.dir,
        correctClean: d.correctClean,
        flipped: d.flipped,
        featureObjective: {
          clean: await featureObjectiveOn(teacher, params, test.images, test),
          adversarial: await featureObjectiveOn(teacher, params, adv, test),
        },
      };
    } finally {
      disposeParams(params);
    }
  } else {
    const { trigger, triggerClass, mappedTarget } = backdoor!;
    const triggered = withTrigger(test, trigger);
    const r = attackSuccessRate(await predictClasses(student, triggered), test.labels, mappedTarget);
    // The teacher on the same images, in its own class space.
    const teacherPred = await predictClasses(teacher, triggered);
    const keep = Array.from(test.labels, (y, i) => (y === mappedTarget ? -1 : i)).filter((i) => i >= 0);
    const teacherHits = keep.filter((i) => teacherPred[i] === triggerClass).length;
    attack = {
      kind: 'backdoor',
      unit: 'percent',
      asr: r.asr,
      hits: r.hits,
      total: r.total,
      trigger: meta!.poison!.trigger,
      target: triggerClass,
      teacherAsr: keep.length ? (teacherHits / keep.length) * 100 : 0,
    };
  }
  lap('attack');

  const report: DefectReport = {
    kind: 'seamflow-defect-report',
    teacher: { dir: source.teacher, arch: meta?.arch ?? null, dataset: typeof meta?.dataset === 'string' ? meta.dataset : null },
    data: { spec: source.data, limit: source.limit, train: problem.train.count, val: problem.val.count, test: test.count },
    target: { mode, classes, classNames: classes.map((c) => input.classNames[c] ?? String(c)) },
    method: input.reuse.method,
    settings: { reuse: input.reuse, ...(pgdSettings ? { pgd: pgdSettings } : {}) },
    student: { accuracy, testImages: test.count },
    ...(reused.seam
      ? {
          seam: {
            headAccuracy: reused.seam.headAccuracy,
            wrr: reused.seam.wrr,
            removed: 1 - reused.seam.wrr,
            searchEpochs: reused.seam.searchEpochs,
            reachedBySearch: reused.seam.reachedBySearch,
          },
        }
      : {}),
    attack,
    timings: { ...timings, ...(reused.seam ? Object.fromEntries(Object.entries(reused.seam.timings).map(([k, v]) => [`seam.${k}`, v])) : {}), total: Object.values(timings).reduce((a, b) => a + b, 0) },
  };
  return { report, student };
}

function checkInputShape(teacher: Graph, set: Pick<ImageSet, 'height' | 'width' | 'channels'>, data: string): void {
  const inShape = teacher.byName.get(teacher.input)!.outputShape;
  const dataShape = [set.height, set.width, set.channels];
  if (inShape.join('x') !== dataShape.join('x')) {
    throw new DefectInputError(`the teacher takes ${inShape.join('x')} inputs but ${data} has ${dataShape.join('x')} images`);
  }
}

/** At most `limit` images of a labelled set, class-balanced and deterministic. */
function capSet<S extends ImageSet & { originalLabels: Int32Array }>(set: S, limit: number): S {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`the test image limit must be an integer >= 1, got ${limit}`);
  if (limit >= set.count) return set;
  const idx = balancedSubsetIndices(set.labels, limit);
  return { ...set, ...gatherImages(set, idx), originalLabels: Int32Array.from(idx, (i) => set.originalLabels[i]!) };
}

export { ModelInputError };
