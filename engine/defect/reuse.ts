/**
 * The two ways a target task reuses the teacher (METHOD.md, "Defect inheritance"):
 * - standard: the whole teacher with a new output layer, every parameter fine-tuned;
 * - seam: (1) a new output layer trained on the frozen backbone (BatchNorm in
 *   inference mode); (2) the SeaM mask search on that model (weights frozen,
 *   scores trained, the new layer kept as the sliced identity head) until
 *   the removed fraction reaches the prune threshold; (3) back to the
 *   teacher's weights with the masked-out backbone weights zeroed (and kept
 *   at zero), a fresh output layer, every parameter fine-tuned.
 * Fine-tuning: SGD, momentum 0.9, weight decay 1e-4, backbone lr 0.005, head
 * lr 0.05 (cosine over the epochs), BatchNorm in training mode.
 */
import type { TargetProblem } from '../data/types.js';
import { prepareParams, disposeParams } from '../graph/params.js';
import type { Graph } from '../graph/types.js';
import { masksFromScores, wrrOf, type MaskSet, type MaskSpec } from '../masks/masks.js';
import { Rng } from '../random.js';
import { runSearch, type StepProgress } from '../search/search.js';
import { accuracyOf, predictClasses } from '../train/predict.js';
import { fit, type TrainStepInfo } from '../train/train.js';
import { TrainableModel } from '../train/trainable.js';
import { HEAD_NAME, withNewHead } from './head.js';
import type { ReuseSettings } from './reuse-settings.js';

export { REUSE_DEFAULTS, type ReuseMethod, type ReuseSettings } from './reuse-settings.js';

export type ReuseStage = 'finetune' | 'head' | 'search' | 'retrain';

export interface ReuseHooks {
  onStage?: (stage: ReuseStage) => void;
  onStep?: (stage: ReuseStage, done: number, total: number, note: string) => void;
}

export interface SeamInfo {
  headAccuracy: number;
  /** Backbone WRR after the search (masked / all masked backbone weights). */
  wrr: number;
  searchEpochs: number;
  /** Whether the search itself got to the threshold (else the lowest scores were removed to get there). */
  reachedBySearch: boolean;
  masks: MaskSet;
  timings: Record<'head' | 'search' | 'retrain', number>;
}

export interface ReuseResult {
  student: Graph;
  seam?: SeamInfo;
  seconds: number;
}

export function validateReuse(s: ReuseSettings): void {
  const bad: string[] = [];
  if (s.method !== 'standard' && s.method !== 'seam') bad.push(`method must be standard or seam, got ${String(s.method)}`);
  if (!(s.pruneThreshold > 0 && s.pruneThreshold < 1)) bad.push(`prune threshold must be in (0, 1), got ${s.pruneThreshold}`);
  if (!Number.isInteger(s.epochs) || s.epochs < 1) bad.push(`epochs must be an integer >= 1, got ${s.epochs}`);
  if (!Number.isInteger(s.searchEpochs) || s.searchEpochs < 1) bad.push(`search epochs must be an integer >= 1, got ${s.searchEpochs}`);
  if (bad.length) throw new RangeError(bad.join('; '));
}

export async function reuse(teacher: Graph, problem: TargetProblem, s: ReuseSettings, hooks: ReuseHooks = {}): Promise<ReuseResult> {
  validateReuse(s);
  const started = performance.now();
  const rng = new Rng((s.seed ^ 0x4ead) >>> 0);
  const k = problem.numOutputs;
  const lrScale = (node: string) => (node === HEAD_NAME ? s.lrHead / s.lrBackbone : 1);
  const finetune = async (graph: Graph, stage: ReuseStage, masks?: MaskSet) => {
    const model = new TrainableModel(graph, { masks });
    try {
      await fit(
        { model, train: problem.train, numOutputs: k, lrScale },
        { epochs: s.epochs, batchSize: s.batchSize, lr: s.lrBackbone, schedule: 'cosine', momentum: s.momentum, weightDecay: s.weightDecay, augment: s.augment, seed: s.seed },
        { onStep: stepReporter(stage, s.epochs, hooks) },
      );
      return model.toGraph();
    } finally {
      model.dispose();
    }
  };

  if (s.method === 'standard') {
    hooks.onStage?.('finetune');
    const student = await finetune(withNewHead(teacher, k, rng), 'finetune');
    return { student, seconds: (performance.now() - started) / 1000 };
  }

  // (1) New output layer on the frozen backbone.
  const t1 = performance.now();
  hooks.onStage?.('head');
  const headEpochs = s.headEpochs ?? s.epochs;
  const headModel = new TrainableModel(withNewHead(teacher, k, rng), { trainable: (node) => node.name === HEAD_NAME, freezeBatchNorm: true });
  let withHead: Graph;
  try {
    await fit(
      { model: headModel, train: problem.train, numOutputs: k },
      { epochs: headEpochs, batchSize: s.batchSize, lr: s.lrHead, schedule: 'cosine', momentum: s.momentum, weightDecay: s.weightDecay, augment: s.augment, seed: s.seed },
      { onStep: stepReporter('head', headEpochs, hooks) },
    );
    withHead = headModel.toGraph();
  } finally {
    headModel.dispose();
  }
  const headAccuracy = accuracyOf(await predictClasses(withHead, problem.val.count ? problem.val : problem.train), (problem.val.count ? problem.val : problem.train).labels);

  // (2) Mask search until the removed fraction reaches the threshold.
  const t2 = performance.now();
  hooks.onStage?.('search');
  const params = prepareParams(withHead);
  const identity = Array.from({ length: k }, (_, i) => i);
  let masks: MaskSet;
  let scores: Float32Array[];
  let searchEpochs: number;
  try {
    const result = await runSearch(
      { graph: withHead, params, problem: { ...problem, mode: 'multiclass', classes: identity }, baseline: headAccuracy },
      {
        granularity: 'weight',
        head: 'sliced',
        alpha: s.alpha,
        lrMask: s.lrMask,
        lrHead: 0.1,
        epochs: s.searchEpochs,
        batchSize: s.batchSize,
        seed: s.seed,
        stopAtWrr: 1 - s.pruneThreshold,
        augment: s.augment,
      },
      {
        onStep: (p: StepProgress) =>
          hooks.onStep?.('search', p.epoch * p.steps + p.step, s.searchEpochs * p.steps, `wrr ${p.wrr.toFixed(3)} acc ${p.accuracy.toFixed(3)}`),
      },
    );
    searchEpochs = result.epochsRun;
    const backbone = backboneOnly(result.masks.specs, result.finalScores);
    scores = backbone.scores;
    masks = masksFromScores('weight', backbone.specs, scores);
  } finally {
    disposeParams(params);
  }
  const reachedBySearch = wrrOf(masks) <= 1 - s.pruneThreshold + 1e-9;
  if (!reachedBySearch) masks = pruneToThreshold(masks, scores, 1 - s.pruneThreshold);

  // (3) Teacher weights, masked-out weights zeroed, fresh head, fine-tune everything.
  const t3 = performance.now();
  hooks.onStage?.('retrain');
  const student = await finetune(withNewHead(teacher, k, rng), 'retrain', masks);
  const end = performance.now();
  return {
    student,
    seam: {
      headAccuracy,
      wrr: wrrOf(masks),
      searchEpochs,
      reachedBySearch,
      masks,
      timings: { head: (t2 - t1) / 1000, search: (t3 - t2) / 1000, retrain: (end - t3) / 1000 },
    },
    seconds: (end - started) / 1000,
  };
}

/** The search's specs and scores without the step-1 output layer (replaced by a fresh one in step 3). */
function backboneOnly(specs: MaskSpec[], scores: Float32Array[]): { specs: MaskSpec[]; scores: Float32Array[] } {
  const keep = specs.map((spec, i) => (spec.node === HEAD_NAME ? -1 : i)).filter((i) => i >= 0);
  return { specs: keep.map((i) => specs[i]!), scores: keep.map((i) => scores[i]!) };
}

/** Removes the lowest-scoring kept weights (globally) until WRR <= target. */
export function pruneToThreshold(set: MaskSet, scores: Float32Array[], targetWrr: number): MaskSet {
  const total = set.masks.reduce((a, m) => a + m.length, 0);
  const keepCount = Math.floor(targetWrr * total);
  const entries: { v: number; layer: number; i: number }[] = [];
  set.masks.forEach((m, layer) => m.forEach((bit, i) => bit && entries.push({ v: scores[layer]![i]!, layer, i })));
  entries.sort((a, b) => a.v - b.v);
  const masks = set.masks.map((m) => m.slice());
  for (let r = 0; r < entries.length - keepCount; r++) masks[entries[r]!.layer]![entries[r]!.i] = 0;
  return { granularity: set.granularity, specs: set.specs, masks };
}

function stepReporter(stage: ReuseStage, epochs: number, hooks: ReuseHooks): ((p: TrainStepInfo) => void) | undefined {
  if (!hooks.onStep) return undefined;
  return (p) => hooks.onStep!(stage, p.epoch * p.steps + p.step, epochs * p.steps, `loss ${p.loss.toFixed(3)} acc ${p.accuracy.toFixed(3)}`);
}
