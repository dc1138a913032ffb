/**
 * [ours] The `latency` penalty: the kept share of a modelled inference time
 * in which every masked layer costs its kept MACs plus a fixed cost while any
 * of its filters is kept. Backends such as tfjs-node spend a large fixed time
 * per layer at CIFAR sizes (a compact ResNet-20 with 43% of the FLOPs still
 * took 72% of the time there), so thinning every layer saves little; the
 * fixed term pays the search for emptying whole layers instead.
 *
 * Only layers the network can lose (graph/bypassable.ts: a residual
 * branch's) carry the fixed term: emptying a stem or a classifier would make
 * the output constant, and the penalty must not pay for that.
 *
 * The fixed term is a step in the number of kept filters n. Its surrogate is
 * linear within a step: each kept filter carries layerCost / n, with n read
 * from the current masks before the gradient, so the value is exactly
 * layerCost while n >= 1 and 0 at n = 0, and the push on the last filters of
 * a thinning layer grows as they become fewer.
 */
import * as tf from '@tensorflow/tfjs';
import { bypassableNodes } from '../graph/bypassable.js';
import { numel, type Graph } from '../graph/types.js';
import type { MaskSpec } from './masks.js';

/**
 * Per spec: whether it carries the fixed layer cost, i.e. its masks decide
 * whether its layer runs at all (not a separate bias mask) and the network
 * can lose that layer.
 */
export function fixedCostSpecs(graph: Graph, specs: MaskSpec[]): boolean[] {
  const bypassable = bypassableNodes(graph);
  return specs.map((s) => s.role !== 'bias' && bypassable.has(s.node));
}

/** Kept filters / weights of every spec, from the current real-valued scores (kept: score > 0, as binarize). */
export function keptCounts(scores: tf.Tensor[]): number[] {
  return Array.from(tf.tidy(() => tf.stack(scores.map((s) => tf.sum(tf.cast(tf.greater(s, 0), 'float32')))).dataSync()));
}

/**
 * Per-score costs for this step and the dense total: `macCosts` (per score,
 * from scoreCosts 'flops') plus, for the `fixed` specs (fixedCostSpecs),
 * layerCost shared by the `kept` scores. Feed both to retentionTensor.
 */
export function latencyCosts(specs: MaskSpec[], macCosts: number[], layerCost: number, fixed: boolean[], kept: number[]): { costs: number[]; total: number } {
  let total = 0;
  const costs = specs.map((s, i) => {
    total += numel(s.shape) * macCosts[i]!;
    if (!fixed[i]) return macCosts[i]!;
    total += layerCost;
    return macCosts[i]! + layerCost / Math.max(1, kept[i]!);
  });
  return { costs, total };
}

/** The same modelled cost from fixed 0/1 masks, as a share of the dense model's (what the step costs must add up to). */
export function latencyShareOf(specs: MaskSpec[], masks: Uint8Array[], macCosts: number[], layerCost: number, fixed: boolean[]): number {
  const kept = masks.map((m) => m.reduce((a, v) => a + v, 0));
  const { costs, total } = latencyCosts(specs, macCosts, layerCost, fixed, kept);
  return kept.reduce((a, n, i) => a + n * costs[i]!, 0) / total;
}
