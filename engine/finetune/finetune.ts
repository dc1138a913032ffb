/**
 * [ours] Fine-tuning of a re-engineered model with its masks fixed. SeaM
 * keeps the original weights frozen, so a search that removes enough filters
 * to make the compact model much faster also loses accuracy; training the
 * weights that are kept (kernels, biases, BatchNorm in training mode, the
 * head) while every masked-out weight stays exactly zero recovers it, and the
 * compact export still removes the same channels. Starts from the masked
 * model with its head (engine/export's buildMasked), trains with the shared
 * loop (engine/train: SGD, momentum, weight decay, cosine schedule), scores
 * the validation split before and after every epoch and returns the best of
 * those models (the search's own when no epoch beats it: fine-tuning never
 * makes the result worse on validation). A filter masked out entirely goes
 * with its BatchNorm channel (held at zero, engine/masks/dead-channels.ts),
 * so it carries no constant the export would have to keep. Optionally the
 * original model teaches (distill.ts): its soft targets join the loss; and a
 * binary target can train on fresh negatives every epoch (settings.ts).
 */
import { freshNegativesPerEpoch } from '../data/fresh-negatives.js';
import type { ImageSet, TargetProblem } from '../data/types.js';
import { buildMasked } from '../export/build.js';
import type { Graph } from '../graph/types.js';
import type { MaskSet } from '../masks/masks.js';
import type { HeadData } from '../search/head.js';
import { accuracyOf, predictClasses } from '../train/predict.js';
import { fit, type TrainCheckpoint, type TrainInput, type TrainEpochRecord, type TrainStepInfo } from '../train/train.js';
import { TrainableModel, type TrainableState } from '../train/trainable.js';
import { teacherFor } from './distill.js';
import { checkFinetunableHead, checkFreshNegatives, validateFinetune, type FinetuneSettings } from './settings.js';

export interface FinetuneInput {
  /** The original model. */
  graph: Graph;
  masks: MaskSet;
  head: HeadData;
  problem: TargetProblem;
  /**
   * Needed with settings.freshNegatives: the training-split negatives the
   * binary problem leaves unused (engine/data/target.ts, unusedNegatives).
   */
  unusedNegatives?: ImageSet;
}

export interface FinetuneHooks {
  onStep?: (s: TrainStepInfo) => void;
  onEpoch?: (r: FinetuneEpoch) => void | Promise<void>;
  onCheckpoint?: (c: FinetuneCheckpoint) => void | Promise<void>;
  /** Continue a stopped fine-tuning (epoch-end checkpoint of the same input and settings). */
  resumeFrom?: FinetuneCheckpoint;
  fingerprint?: string;
}

export interface FinetuneEpoch extends TrainEpochRecord {
  valAccuracy: number;
  /** The search model's, for comparison. */
  startValAccuracy: number;
}

/** The best model so far: epoch -1 is the search's model before any fine-tuning. */
interface BestSoFar {
  epoch: number;
  valAccuracy: number;
  /** Null for epoch -1 (rebuilt from the input). */
  state: TrainableState | null;
}

export interface FinetuneCheckpoint {
  kind: 'seamflow-finetune-checkpoint';
  version: 1;
  train: TrainCheckpoint;
  best: BestSoFar;
  /** Validation accuracy of the search's model, scored once before the first epoch. */
  startValAccuracy: number;
}

export interface FinetuneResult {
  /** The masked model with its head, weights fine-tuned; masked-out weights are exactly zero. */
  graph: Graph;
  valAccuracy: number;
  /** Validation accuracy of the search's model, before fine-tuning. */
  startValAccuracy: number;
  /** Epoch whose model is returned; -1 when none beat the search's model. */
  selectedEpoch: number;
  history: FinetuneEpoch[];
  seconds: number;
}

export async function finetuneReengineered(input: FinetuneInput, settings: FinetuneSettings, hooks: FinetuneHooks = {}): Promise<FinetuneResult> {
  validateFinetune(settings);
  checkFinetunableHead(input.head);
  checkFreshNegatives(settings, input.problem.mode);
  if (settings.freshNegatives && !input.unusedNegatives) throw new RangeError('fresh negatives need the unused negatives of the problem (engine/data/target.ts, unusedNegatives)');
  const { problem } = input;
  const built = buildMasked({ graph: input.graph, masks: input.masks, head: input.head });
  const resume = hooks.resumeFrom;
  if (resume && (resume.kind !== 'seamflow-finetune-checkpoint' || resume.version !== 1)) throw new RangeError('not a seamflow fine-tuning checkpoint');
  const model = new TrainableModel(built.graph, { masks: input.masks, gateDeadChannels: true }, resume ? resume.train.model : undefined);
  const scoreSet = problem.val.count ? problem.val : problem.train;
  const valAccuracy = async (g: Graph) => accuracyOf(await predictClasses(g, scoreSet), scoreSet.labels);
  const startValAccuracy = resume ? resume.startValAccuracy : await valAccuracy(built.graph);
  const history: FinetuneEpoch[] = (resume?.train.history ?? []).map((r) => ({ ...r, valAccuracy: r.extra?.valAccuracy ?? NaN, startValAccuracy }));
  let best: BestSoFar = resume ? resume.best : { epoch: -1, valAccuracy: startValAccuracy, state: null };
  const d = settings.distill;
  const teacher = d && teacherFor(input.graph, problem, d.temperature);
  try {
    const out = await fit(
      { model, train: problem.train, numOutputs: problem.numOutputs, ...freshNegatives(input, settings), ...(teacher ? { distill: { targets: teacher.targets, weight: d.weight, temperature: d.temperature } } : {}) },
      { epochs: settings.epochs, batchSize: settings.batchSize, lr: settings.lr, schedule: 'cosine', momentum: settings.momentum, weightDecay: settings.weightDecay, augment: settings.augment, seed: settings.seed },
      {
        onStep: hooks.onStep,
        onEpoch: async (record) => {
          const val = await valAccuracy(model.toGraph());
          record.extra = { ...record.extra, valAccuracy: val };
          const epoch = { ...record, valAccuracy: val, startValAccuracy };
          history.push(epoch);
          if (val > best.valAccuracy) best = { epoch: record.epoch, valAccuracy: val, state: model.getState() };
          await hooks.onEpoch?.(epoch);
        },
        onCheckpoint: hooks.onCheckpoint && ((train) => hooks.onCheckpoint!({ kind: 'seamflow-finetune-checkpoint', version: 1, train, best, startValAccuracy })),
        resumeFrom: resume?.train,
        // A checkpoint trained on other negatives must not continue here.
        fingerprint: `${hooks.fingerprint ?? ''}${settings.freshNegatives ? `|fresh negatives +${input.unusedNegatives!.count}` : ''}`,
      },
    );
    const graph = best.state ? withState(built.graph, best.state, input.masks) : built.graph;
    return { graph, valAccuracy: best.valAccuracy, startValAccuracy, selectedEpoch: best.epoch, history, seconds: out.seconds };
  } finally {
    model.dispose();
    teacher?.dispose();
  }
}

export interface FinetunedModel extends FinetuneResult {
  settings: FinetuneSettings;
  /** Test accuracy of the fine-tuned model. */
  accuracy: number;
}

/** Fine-tuning plus the tuned model's test accuracy: what `reengineer --direct` and the finetuneModel stage both ship and report. */
export async function finetuneAndTest(input: FinetuneInput, settings: FinetuneSettings, hooks: FinetuneHooks = {}, evalBatch = 256): Promise<FinetunedModel> {
  const tuned = await finetuneReengineered(input, settings, hooks);
  const { test } = input.problem;
  const accuracy = accuracyOf(await predictClasses(tuned.graph, test, { batchSize: evalBatch }), test.labels);
  return { ...tuned, settings, accuracy };
}

function freshNegatives(input: FinetuneInput, settings: FinetuneSettings): Pick<TrainInput, 'trainForEpoch'> {
  return settings.freshNegatives ? { trainForEpoch: freshNegativesPerEpoch(input.problem.train, input.unusedNegatives!, settings.seed) } : {};
}

function withState(graph: Graph, state: TrainableState, masks: MaskSet): Graph {
  const model = new TrainableModel(graph, { masks, gateDeadChannels: true }, state);
  try {
    return model.toGraph();
  } finally {
    model.dispose();
  }
}
