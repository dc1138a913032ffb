/**
 * The SeaM mask search (METHOD.md): frozen original weights, BatchNorm in
 * inference mode, real-valued scores binarised with a straight-through
 * estimator, loss = CE(head(f_masked(x)), y) + alpha * WRR, two Adam states
 * (head only on every 5th epoch, head + scores on the others), model
 * selection on the validation split, and checkpoints as plain data so a
 * stopped search resumes to exactly the result of an uninterrupted one.
 */
import * as tf from '@tensorflow/tfjs';
import type { TargetProblem } from '../data/types.js';
import { augmentBatch } from '../data/augment.js';
import { maskedAccuracy } from '../eval/masked-accuracy.js';
import { forward, logitCount } from '../graph/forward.js';
import type { Params } from '../graph/params.js';
import type { Graph } from '../graph/types.js';
import { binarize } from '../masks/binarize.js';
import {
  applyMasks,
  initialScores,
  maskSpecs,
  masksFromScores,
  retentionTensor,
  scoreCosts,
  PENALTIES,
  wrrOf,
  wrrOfCounts,
  wrrTensor,
  type Granularity,
  type MaskSet,
  type MaskSpec,
  type Penalty,
} from '../masks/masks.js';
import { masksCutNetwork } from '../masks/cut.js';
import { fixedCostSpecs, keptCounts, latencyCosts } from '../masks/latency-penalty.js';
import { Rng, type RngState } from '../random.js';
import { Adam, type AdamState } from './adam.js';
import { variableFrom } from './variables.js';
import { HeadModule, cloneHead, initHead, type HeadData, type HeadKind } from './head.js';
import { initialSelection, SEARCH_SELECTS, selected, updateSelection, type SearchSelect, type SelectionState } from './selection.js';

export { SEARCH_SELECTS, type SearchSelect } from './selection.js';

export interface SearchSettings {
  granularity: Granularity;
  head: HeadKind;
  alpha: number;
  /** What alpha multiplies: the kept share of the parameters (WRR, published; default), of the FLOPs or of a modelled latency ([ours]). */
  penalty?: Penalty;
  /**
   * With penalty `latency` only (and required there): the fixed time of
   * running one layer, in multiply-accumulates per image of the same backend
   * (measureLayerCost in engine/eval/layer-cost.ts measures it).
   */
  layerCost?: number;
  lrMask: number;
  lrHead: number;
  epochs: number;
  batchSize: number;
  seed: number;
  /** Every n-th epoch (epochs 0, n, 2n, ...) trains the head only; 0 = never. Default 5 (published). */
  headOnlyEvery?: number;
  /** Early-stop patience in epochs (see selection.ts); 0 = off. */
  earlyStop?: number;
  /** Stop as soon as an epoch's WRR is at or below this (e.g. 0.4 for "60% removed"). */
  stopAtWrr?: number;
  /**
   * [ours] Check stopAtWrr after every joint step instead of at epoch ends:
   * the epoch ends as soon as a step leaves masks at or below it (and is
   * validated as usual), so the search stops near the asked size rather than
   * up to an epoch's worth of pruning past it.
   */
  stopMidEpoch?: boolean;
  /**
   * Which epoch's masks the search returns: `validation` (published: the
   * selection rule of selection.ts; default) or `last` ([ours]: the final
   * epoch, e.g. the one that reached stopAtWrr). With fine-tuning after the
   * search, the masks' size matters more than the frozen weights' accuracy
   * under them, which fine-tuning recovers, so the rule's fall-back to an
   * earlier, larger epoch is not what such a run wants. A final epoch whose
   * masks cut every path from input to output (masks/cut.ts) gives way to
   * the latest one that does not (rule `last-connected`).
   */
  select?: SearchSelect;
  augment?: boolean;
}

export type Augmenter = (images: Float32Array, count: number, h: number, w: number, c: number, rng: Rng) => Float32Array;

export interface StepProgress {
  epoch: number;
  epochs: number;
  step: number;
  steps: number;
  phase: Phase;
  loss: number;
  crossEntropy: number;
  /** Running training accuracy over the epoch so far. */
  accuracy: number;
  wrr: number;
}

export type Phase = 'head' | 'joint';

export interface EpochRecord {
  epoch: number;
  phase: Phase;
  trainLoss: number;
  trainAccuracy: number;
  valAccuracy: number;
  wrr: number;
  seconds: number;
  /** This epoch became the best selected so far. */
  newBest: boolean;
}

export interface Snapshot {
  epoch: number;
  valAccuracy: number;
  wrr: number;
  masks: Uint8Array[];
  head: HeadData;
}

export interface SearchCheckpoint {
  kind: 'seamflow-search-checkpoint';
  version: 1;
  settings: SearchSettings;
  /** Caller-supplied identity of model + data + target; resume refuses a mismatch. */
  fingerprint: string;
  baseline: number;
  /** Epoch in progress (or the next one when step = 0). */
  epoch: number;
  /** Steps of `epoch` already done. */
  step: number;
  /** Sample order of `epoch` (empty when step = 0: drawn at the epoch's start). */
  order: Int32Array;
  rng: RngState;
  scores: Float32Array[];
  head: HeadData;
  optimizers: { head: AdamState | null; joint: AdamState };
  running: { lossSum: number; correct: number; seen: number; steps: number };
  history: EpochRecord[];
  selection: SelectionState;
  best: Snapshot | null;
  fallback: Snapshot | null;
  /** With select `last`: the latest epoch whose masks leave input and output connected (absent in older checkpoints). */
  lastConnected?: Snapshot | null;
  elapsedSeconds: number;
  done: boolean;
}

export interface SearchResult {
  masks: MaskSet;
  head: HeadData;
  selected: { epoch: number; valAccuracy: number; wrr: number; rule: 'min-wrr-at-baseline' | 'max-acc-minus-wrr' | 'last-epoch' | 'last-connected' };
  history: EpochRecord[];
  epochsRun: number;
  stoppedEarly: boolean;
  seconds: number;
  /** Scores after the last epoch (not the selected epoch's). */
  finalScores: Float32Array[];
  checkpoint: SearchCheckpoint;
}

export interface SearchInput {
  graph: Graph;
  /** Prepared original weights (prepareParams); not modified. */
  params: Params;
  problem: TargetProblem;
  /** The original model's validation accuracy on the target problem: the selection threshold. */
  baseline: number;
}

export interface SearchHooks {
  onStep?: (p: StepProgress) => void;
  onEpoch?: (r: EpochRecord) => void;
  /** Called at every epoch end, every `checkpointEverySteps` steps, and on abort. */
  onCheckpoint?: (c: SearchCheckpoint) => void | Promise<void>;
  checkpointEverySteps?: number;
  signal?: AbortSignal;
  /** Used when settings.augment is on; default augmentBatch (crop with padding 4, horizontal flip). */
  augmenter?: Augmenter;
  resumeFrom?: SearchCheckpoint;
  fingerprint?: string;
  evalBatchSize?: number;
}

export class SearchAbortedError extends Error {
  override name = 'AbortError';
  constructor(readonly checkpoint: SearchCheckpoint) {
    super(`mask search stopped at epoch ${checkpoint.epoch + 1}, step ${checkpoint.step}`);
  }
}

export class CheckpointMismatchError extends Error {
  override name = 'CheckpointMismatchError';
}

export function validateSettings(s: SearchSettings): void {
  const bad: string[] = [];
  if (!(s.alpha >= 0) || !Number.isFinite(s.alpha)) bad.push(`alpha must be a number >= 0, got ${s.alpha}`);
  if (!(s.lrMask > 0) || !Number.isFinite(s.lrMask)) bad.push(`lrMask must be > 0, got ${s.lrMask}`);
  if (!(s.lrHead > 0) || !Number.isFinite(s.lrHead)) bad.push(`lrHead must be > 0, got ${s.lrHead}`);
  if (!Number.isInteger(s.epochs) || s.epochs < 1) bad.push(`epochs must be an integer >= 1, got ${s.epochs}`);
  if (!Number.isInteger(s.batchSize) || s.batchSize < 1) bad.push(`batch size must be an integer >= 1, got ${s.batchSize}`);
  if (!Number.isInteger(s.seed)) bad.push(`seed must be an integer, got ${s.seed}`);
  if (s.granularity !== 'weight' && s.granularity !== 'filter') bad.push(`granularity must be weight or filter, got ${String(s.granularity)}`);
  if (s.head !== 'appended' && s.head !== 'sliced') bad.push(`head must be appended or sliced, got ${String(s.head)}`);
  if (s.penalty !== undefined && !PENALTIES.includes(s.penalty)) bad.push(`penalty must be ${PENALTIES.join(', ')}, got ${String(s.penalty)}`);
  if (s.penalty === 'latency' && s.layerCost === undefined) bad.push('the latency penalty needs layerCost (the fixed cost of one layer in MACs per image; `seamflow layer-cost` measures it)');
  if (s.layerCost !== undefined && s.penalty !== 'latency') bad.push(`layerCost is only for the latency penalty, got penalty ${s.penalty ?? 'params'}`);
  if (s.layerCost !== undefined && !(s.layerCost >= 0 && Number.isFinite(s.layerCost))) bad.push(`layerCost must be a number >= 0, got ${s.layerCost}`);
  const every = s.headOnlyEvery ?? 5;
  if (!Number.isInteger(every) || every < 0) bad.push(`headOnlyEvery must be an integer >= 0, got ${every}`);
  const es = s.earlyStop ?? 0;
  if (!Number.isInteger(es) || es < 0) bad.push(`earlyStop must be an integer >= 0, got ${es}`);
  if (s.stopAtWrr !== undefined && !(s.stopAtWrr >= 0 && s.stopAtWrr <= 1)) bad.push(`stopAtWrr must be in [0, 1], got ${s.stopAtWrr}`);
  if (s.stopMidEpoch && s.stopAtWrr === undefined) bad.push('stopMidEpoch needs stopAtWrr');
  if (s.select !== undefined && !SEARCH_SELECTS.includes(s.select)) bad.push(`select must be ${SEARCH_SELECTS.join(' or ')}, got ${String(s.select)}`);
  if (bad.length) throw new RangeError(bad.join('; '));
}

/** Which phase an epoch runs. The sliced head has no parameters, so it never has head-only epochs. */
export function phaseOf(epoch: number, s: SearchSettings): Phase {
  const every = s.headOnlyEvery ?? 5;
  if (s.head === 'sliced' || every === 0) return 'joint';
  return epoch % every === 0 ? 'head' : 'joint';
}

let uid = 0;

export async function runSearch(input: SearchInput, settings: SearchSettings, hooks: SearchHooks = {}): Promise<SearchResult> {
  validateSettings(settings);
  const { graph, params, problem } = input;
  const specs = maskSpecs(graph, settings.granularity);
  const penalty = settings.penalty ?? 'params';
  const costs = penalty === 'params' ? null : scoreCosts(graph, specs, penalty);
  const fixed = penalty === 'latency' ? fixedCostSpecs(graph, specs) : null;
  const numLogits = logitCount(graph);
  const train = problem.train;
  if (train.count === 0) throw new RangeError('the target problem has no training images');
  const steps = Math.ceil(train.count / settings.batchSize);
  const fingerprint = hooks.fingerprint ?? '';

  let ck = hooks.resumeFrom;
  if (ck) checkResumable(ck, settings, fingerprint, specs);
  const rng = new Rng(ck ? ck.rng : settings.seed);
  const head = new HeadModule(ck ? cloneHead(ck.head) : initHead(settings.head, problem.mode, problem.classes, numLogits, rng));
  const id = uid++;
  const scoreData = ck ? ck.scores.map((s) => s.slice()) : initialScores(specs);
  const scores = specs.map((s, i) => variableFrom(scoreData[i]!, s.shape, true, `seam_scores_${id}/${s.node}/${s.role}`));
  const adamCfg = { epsilon: 1e-8 };
  const optHead = head.vars.length ? new Adam([{ params: head.vars, lr: settings.lrHead }], adamCfg, ck?.optimizers.head ?? undefined) : undefined;
  const optJoint = new Adam(
    [
      { params: scores, lr: settings.lrMask },
      { params: head.vars, lr: settings.lrHead },
    ],
    adamCfg,
    ck?.optimizers.joint,
  );

  const state: Omit<SearchCheckpoint, 'scores' | 'head' | 'optimizers' | 'rng'> = ck
    ? (({ scores: _s, head: _h, optimizers: _o, rng: _r, ...rest }) => ({ ...rest, history: rest.history.slice(), settings: { ...settings } }))(ck)
    : {
        kind: 'seamflow-search-checkpoint',
        version: 1,
        settings: { ...settings },
        fingerprint,
        baseline: input.baseline,
        epoch: 0,
        step: 0,
        order: new Int32Array(0),
        running: { lossSum: 0, correct: 0, seen: 0, steps: 0 },
        history: [],
        selection: initialSelection(),
        best: null,
        fallback: null,
        elapsedSeconds: 0,
        done: false,
      };
  ck = undefined;
  const started = performance.now();
  const startElapsed = state.elapsedSeconds;
  let epochStarted = performance.now();
  const elapsed = () => startElapsed + (performance.now() - started) / 1000;

  const snapshot = (): SearchCheckpoint => ({
    ...state,
    order: state.order.slice(),
    running: { ...state.running },
    history: state.history.slice(),
    selection: { ...state.selection },
    rng: rng.getState(),
    scores: scores.map((v) => Float32Array.from(v.dataSync() as Float32Array)),
    head: head.toData(),
    optimizers: { head: optHead?.getState() ?? null, joint: optJoint.getState() },
    elapsedSeconds: elapsed(),
  });

  const labelsOneHot = (labels: Int32Array) => tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), problem.numOutputs).toFloat());
  const per = train.height * train.width * train.channels;
  let stoppedEarly = false;

  try {
    while (!state.done && state.epoch < settings.epochs) {
      const epoch = state.epoch;
      const phase = phaseOf(epoch, settings);
      if (state.step === 0) {
        state.order = rng.permutation(train.count);
        state.running = { lossSum: 0, correct: 0, seen: 0, steps: 0 };
        epochStarted = performance.now();
      }
      const opt = phase === 'head' ? optHead! : optJoint;
      const vars = opt.parameters as tf.Variable[];
      let reachedMidEpoch = false;

      while (state.step < steps) {
        if (hooks.signal?.aborted) {
          const c = snapshot();
          await hooks.onCheckpoint?.(c);
          throw new SearchAbortedError(c);
        }
        // Kept filters per layer in the masks the last step left: the mid-epoch stop and the latency penalty read them.
        const keptFilters = fixed || settings.stopMidEpoch ? keptCounts(scores) : null;
        // Stop on the first masks at or below the asked WRR, before pruning past them.
        if (settings.stopMidEpoch && phase === 'joint' && state.step > 0 && wrrOfCounts(specs, keptFilters!) <= settings.stopAtWrr!) {
          reachedMidEpoch = true;
          break;
        }
        const start = state.step * settings.batchSize;
        const count = Math.min(settings.batchSize, train.count - start);
        let images: Float32Array = new Float32Array(count * per);
        const labels = new Int32Array(count);
        for (let k = 0; k < count; k++) {
          const src = state.order[start + k]!;
          images.set(train.images.subarray(src * per, (src + 1) * per), k * per);
          labels[k] = train.labels[src]!;
        }
        if (settings.augment) images = (hooks.augmenter ?? augmentBatch)(images, count, train.height, train.width, train.channels, rng);

        const step = costs && fixed ? latencyCosts(specs, costs, settings.layerCost!, fixed, keptFilters!) : null;
        const x = tf.tensor4d(images, [count, train.height, train.width, train.channels]);
        const y = labelsOneHot(labels);
        let ce!: tf.Tensor;
        let wrr!: tf.Tensor;
        let correct!: tf.Tensor;
        const { value, grads } = tf.variableGrads(() => {
          // Two binariser calls, as in the authors' code: the CE and WRR gradients are clipped separately.
          const masked = applyMasks(params, specs, scores.map((s) => binarize(s)));
          const out = head.apply(forward(graph, masked, x, { logits: true }));
          const c = tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(out)), -1)));
          const bin = scores.map((s) => binarize(s));
          const w = wrrTensor(specs, bin);
          // With the flops/latency penalties the WRR is only reported; the loss term shares its binarised masks.
          const kept = step ? retentionTensor(specs, bin, step.costs, step.total) : costs ? retentionTensor(specs, bin, costs) : w;
          ce = tf.keep(c);
          wrr = tf.keep(w);
          correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), tf.argMax(y, 1)), 'float32')));
          return tf.add(c, tf.mul(kept, settings.alpha)) as tf.Scalar;
        }, vars);
        opt.apply(vars.map((v) => grads[v.name]));
        const [lossV, ceV, wrrV, correctV] = Array.from(tf.tidy(() => tf.stack([value, ce, wrr, correct]).dataSync()));
        tf.dispose([x, y, value, ce, wrr, correct, ...Object.values(grads)]);

        state.step += 1;
        const r = state.running;
        r.lossSum += lossV! * count;
        r.correct += correctV!;
        r.seen += count;
        r.steps += 1;
        hooks.onStep?.({
          epoch,
          epochs: settings.epochs,
          step: state.step,
          steps,
          phase,
          loss: lossV!,
          crossEntropy: ceV!,
          accuracy: r.correct / r.seen,
          wrr: wrrV!,
        });
        const every = hooks.checkpointEverySteps ?? 0;
        if (every > 0 && state.step % every === 0 && state.step < steps) await hooks.onCheckpoint?.(snapshot());
        // Let heartbeats, cancellation and progress output through between steps.
        await new Promise((resolve) => setImmediate(resolve));
      }

      // End of epoch: validate the current masks + head, update the selection.
      const scoreValues = scores.map((v) => Float32Array.from(v.dataSync() as Float32Array));
      const masks = masksFromScores(settings.granularity, specs, scoreValues);
      const headData = head.toData();
      const valAccuracy = await maskedAccuracy(graph, params, masks, headData, problem.val, hooks.evalBatchSize ?? 256);
      const wrr = wrrOf(masks);
      const upd = updateSelection(state.selection, { epoch, valAccuracy, wrr }, input.baseline, settings.earlyStop ?? 0);
      const snap = (): Snapshot => ({ epoch, valAccuracy, wrr, masks: masks.masks, head: cloneHead(headData) });
      state.selection = upd.state;
      if (upd.isBest) state.best = snap();
      if (upd.isFallback) state.fallback = snap();
      if (settings.select === 'last' && !masksCutNetwork(graph, masks)) state.lastConnected = snap();
      const record: EpochRecord = {
        epoch,
        phase,
        trainLoss: state.running.lossSum / Math.max(1, state.running.seen),
        trainAccuracy: state.running.correct / Math.max(1, state.running.seen),
        valAccuracy,
        wrr,
        seconds: (performance.now() - epochStarted) / 1000,
        newBest: upd.isBest,
      };
      state.history.push(record);
      state.epoch += 1;
      state.step = 0;
      state.order = new Int32Array(0);
      const stopForWrr = settings.stopAtWrr !== undefined && wrr <= settings.stopAtWrr && phase === 'joint';
      if (upd.stop || stopForWrr || reachedMidEpoch) {
        state.done = true;
        stoppedEarly = state.epoch < settings.epochs;
      }
      hooks.onEpoch?.(record);
      await hooks.onCheckpoint?.(snapshot());
    }

    const final = snapshot();
    const sel = selected(state.selection);
    if (!sel) throw new Error('mask search ran no epoch');
    const last = state.history.at(-1)!;
    // With select last, lastConnected is the final epoch itself unless the final masks cut the network.
    const connected = state.lastConnected;
    const chosen =
      settings.select !== 'last'
        ? { ...(sel.rule === 'min-wrr-at-baseline' ? state.best : state.fallback)!, rule: sel.rule }
        : connected && connected.epoch !== last.epoch
          ? { ...connected, rule: 'last-connected' as const }
          : { ...lastEpoch(last, final, settings.granularity, specs), rule: 'last-epoch' as const };
    return {
      masks: { granularity: settings.granularity, specs, masks: chosen.masks },
      head: chosen.head,
      selected: { epoch: chosen.epoch, valAccuracy: chosen.valAccuracy, wrr: chosen.wrr, rule: chosen.rule },
      history: state.history,
      epochsRun: state.history.length,
      stoppedEarly: stoppedEarly || (state.done && state.epoch < settings.epochs),
      seconds: final.elapsedSeconds,
      finalScores: final.scores,
      checkpoint: final,
    };
  } finally {
    tf.dispose(scores);
    head.dispose();
    optHead?.dispose();
    optJoint.dispose();
  }
}

/** The final epoch as a selection: its masks are the final scores binarised, its head the final head. */
function lastEpoch(last: EpochRecord, final: SearchCheckpoint, granularity: Granularity, specs: MaskSpec[]): Snapshot {
  const masks = masksFromScores(granularity, specs, final.scores);
  return { epoch: last.epoch, valAccuracy: last.valAccuracy, wrr: last.wrr, masks: masks.masks, head: cloneHead(final.head) };
}

function checkResumable(ck: SearchCheckpoint, s: SearchSettings, fingerprint: string, specs: MaskSpec[]): void {
  if (ck.kind !== 'seamflow-search-checkpoint' || ck.version !== 1) {
    throw new CheckpointMismatchError('not a seamflow search checkpoint (or an unsupported version)');
  }
  const diffs: string[] = [];
  const keys: (keyof SearchSettings)[] = ['granularity', 'head', 'alpha', 'lrMask', 'lrHead', 'batchSize', 'seed', 'headOnlyEvery', 'augment'];
  for (const k of keys) {
    if (ck.settings[k] !== s[k]) diffs.push(`${k} ${String(ck.settings[k])} -> ${String(s[k])}`);
  }
  if ((ck.settings.penalty ?? 'params') !== (s.penalty ?? 'params')) diffs.push(`penalty ${ck.settings.penalty ?? 'params'} -> ${s.penalty ?? 'params'}`);
  if (ck.settings.layerCost !== s.layerCost) diffs.push(`layerCost ${String(ck.settings.layerCost)} -> ${String(s.layerCost)}`);
  if (ck.fingerprint !== fingerprint) diffs.push('model/data/target differ');
  if (ck.scores.length !== specs.length || ck.scores.some((sc, i) => sc.length !== specs[i]!.shape.reduce((a, b) => a * b, 1))) {
    diffs.push('mask layout differs');
  }
  if (diffs.length) throw new CheckpointMismatchError(`checkpoint does not match this search: ${diffs.join('; ')}`);
}
