/**
 * Which weights the method masks and how: one score tensor per conv/dense
 * kernel and bias (granularity `weight`, as published), or one score per
 * output filter / neuron shared by its kernel slice and its bias (granularity
 * `filter`, so whole filters can go and an export can drop them). Scores,
 * masks and counts are plain data; tensors are made on demand.
 */
import * as tf from '@tensorflow/tfjs';
import { paramKey, type Params } from '../graph/params.js';
import { isMaskable, numel, type Graph } from '../graph/types.js';

export type Granularity = 'weight' | 'filter';

/**
 * What the search's sparsity term counts: `params` (WRR, as published) or
 * `flops` [ours]: each score weighted by the multiply-accumulates its weights
 * do per image, so the search prefers removing the filters that cost time
 * (early, high-resolution layers) over those that only hold parameters; or
 * `latency` [ours]: FLOPs plus a fixed cost per layer still running
 * (latency-penalty.ts).
 */
export type Penalty = 'params' | 'flops' | 'latency';

export const PENALTIES: readonly Penalty[] = ['params', 'flops', 'latency'];

export interface MaskSpec {
  node: string;
  /** `kernel` / `bias` (weight granularity) or `filter` (covers kernel and bias). */
  role: 'kernel' | 'bias' | 'filter';
  /** Shape of the score / mask tensor. */
  shape: number[];
  /** Shape of the kernel it multiplies into (broadcast for `filter`). */
  kernelShape: number[];
  hasBias: boolean;
  /** How many model parameters one score decides (1 for weight granularity). */
  paramsPerScore: number;
}

/** A binary mask per spec: 1 byte per element (0 or 1); packed only on disk. */
export interface MaskSet {
  granularity: Granularity;
  specs: MaskSpec[];
  masks: Uint8Array[];
}

export function maskSpecs(graph: Graph, granularity: Granularity): MaskSpec[] {
  const specs: MaskSpec[] = [];
  for (const node of graph.nodes) {
    if (!isMaskable(node)) continue;
    const kernelShape = node.weights.kernel!.shape.slice();
    const hasBias = Boolean((node.attrs as { useBias?: boolean }).useBias && node.weights.bias);
    if (granularity === 'weight') {
      specs.push({ node: node.name, role: 'kernel', shape: kernelShape, kernelShape, hasBias, paramsPerScore: 1 });
      if (hasBias) {
        const b = node.weights.bias!.shape.slice();
        specs.push({ node: node.name, role: 'bias', shape: b, kernelShape, hasBias, paramsPerScore: 1 });
      }
    } else {
      // Depthwise kernels are [kh, kw, in, mult]: output channel i*mult+m, so the
      // filter scores are [in, mult] and broadcast straight onto the kernel.
      const shape = node.attrs.op === 'depthwiseConv2d' ? kernelShape.slice(2) : [kernelShape[kernelShape.length - 1]!];
      const filters = numel(shape);
      specs.push({
        node: node.name,
        role: 'filter',
        shape,
        kernelShape,
        hasBias,
        paramsPerScore: numel(kernelShape) / filters + (hasBias ? 1 : 0),
      });
    }
  }
  return specs;
}

export function maskedParamCount(specs: MaskSpec[]): number {
  return specs.reduce((a, s) => a + numel(s.shape) * s.paramsPerScore, 0);
}

/** Number of model parameters kept by a mask set. */
export function keptParamCount(set: MaskSet): number {
  let kept = 0;
  set.specs.forEach((s, i) => {
    const m = set.masks[i]!;
    let ones = 0;
    for (let j = 0; j < m.length; j++) ones += m[j]!;
    kept += ones * s.paramsPerScore;
  });
  return kept;
}

/** WRR from the kept scores per spec (e.g. keptCounts of the live scores). */
export function wrrOfCounts(specs: MaskSpec[], kept: number[]): number {
  return specs.reduce((a, s, i) => a + kept[i]! * s.paramsPerScore, 0) / maskedParamCount(specs);
}

/** Weight retention rate: kept / masked, one global ratio. */
export function wrrOf(set: MaskSet): number {
  return keptParamCount(set) / maskedParamCount(set.specs);
}

export function initialScores(specs: MaskSpec[], value = 1): Float32Array[] {
  return specs.map((s) => new Float32Array(numel(s.shape)).fill(value));
}

export function masksFromScores(granularity: Granularity, specs: MaskSpec[], scores: Float32Array[]): MaskSet {
  return { granularity, specs, masks: scores.map((s) => Uint8Array.from(s, (v) => (v > 0 ? 1 : 0))) };
}

export function fullMasks(granularity: Granularity, specs: MaskSpec[]): MaskSet {
  return { granularity, specs, masks: specs.map((s) => new Uint8Array(numel(s.shape)).fill(1)) };
}

/**
 * Params with kernels/biases multiplied by 0/1 masks (given as tensors aligned
 * with `specs`, e.g. binarize(score) in the search or constants in evaluation).
 * Untouched entries are shared with `base`. Call inside tidy / a gradient fn.
 */
export function applyMasks(base: Params, specs: MaskSpec[], masks: tf.Tensor[]): Params {
  const out: Params = new Map(base);
  specs.forEach((s, i) => {
    const m = masks[i]!;
    const kKey = paramKey(s.node, 'kernel');
    const bKey = paramKey(s.node, 'bias');
    if (s.role === 'kernel') out.set(kKey, tf.mul(base.get(kKey)!, m));
    else if (s.role === 'bias') out.set(bKey, tf.mul(base.get(bKey)!, m));
    else {
      out.set(kKey, tf.mul(base.get(kKey)!, m));
      if (s.hasBias) out.set(bKey, tf.mul(base.get(bKey)!, tf.reshape(m, [-1])));
    }
  });
  return out;
}

/** Cost of one score of each spec under a penalty (paramsPerScore for `params`). */
export function scoreCosts(graph: Graph, specs: MaskSpec[], penalty: Penalty): number[] {
  return specs.map((s) => {
    if (penalty === 'params') return s.paramsPerScore;
    // `latency` starts from the same MACs; its per-layer term depends on the masks (latency-penalty.ts).
    const out = graph.byName.get(s.node)!.outputShape;
    // Output positions each weight is applied at, as engine/eval/cost.ts counts them.
    const positions = out.length === 1 ? 1 : numel(out.slice(0, out.length - 1));
    return s.paramsPerScore * positions;
  });
}

/**
 * The kept share of the total cost, differentiable, from (binarised) masks
 * aligned with `specs`. `total` defaults to every score at its cost.
 */
export function retentionTensor(
  specs: MaskSpec[],
  masks: tf.Tensor[],
  costs: number[],
  total = specs.reduce((a, s, i) => a + numel(s.shape) * costs[i]!, 0),
): tf.Scalar {
  return tf.tidy(() => {
    const parts = specs.map((_, i) => {
      const ones = tf.sum(masks[i]!);
      return costs[i] === 1 ? ones : tf.mul(ones, costs[i]!);
    });
    return tf.div(tf.addN(parts), total) as tf.Scalar;
  });
}

/** WRR as a differentiable scalar from (binarised) masks aligned with `specs`. */
export function wrrTensor(specs: MaskSpec[], masks: tf.Tensor[]): tf.Scalar {
  return retentionTensor(specs, masks, specs.map((s) => s.paramsPerScore));
}

/** Constant mask tensors for a mask set (caller disposes). */
export function maskTensors(set: MaskSet): tf.Tensor[] {
  return set.specs.map((s, i) => tf.tensor(Float32Array.from(set.masks[i]!), s.shape, 'float32'));
}

/**
 * Params with a fixed mask set applied once (for evaluation, export checks,
 * latency): the masked tensors are kept; `dispose` releases only them.
 */
export function maskedParamsFor(base: Params, set: MaskSet): { params: Params; dispose: () => void } {
  const keys = [...base.keys()];
  const values = tf.tidy(() => {
    const masked = applyMasks(base, set.specs, maskTensors(set));
    return keys.map((k) => masked.get(k)!);
  });
  const params: Params = new Map(keys.map((k, i) => [k, values[i]!]));
  const own = values.filter((t, i) => base.get(keys[i]!) !== t);
  return { params, dispose: () => tf.dispose(own) };
}
