/**
 * Parameter and compute counts, dense and mask-aware. MACs count the
 * multiply-accumulates of convolutions and dense layers (the bulk of the
 * cost): each kept kernel weight is used once per output position. FLOPs are
 * 2 x MACs. Everything else (BN, adds, pooling) is left out on both sides.
 */
import type { MaskSet } from '../masks/masks.js';
import { headParamCount, type HeadData } from '../search/head.js';
import { isMaskable, numel, type Graph } from '../graph/types.js';

export interface CostSummary {
  /** Every stored weight (BN statistics included, as Keras counts them). */
  params: number;
  /** Weights under a mask (conv/dense kernels and biases). */
  maskableParams: number;
  /** Of those, kept (all when unmasked). */
  keptParams: number;
  /** Parameters of a head appended for the target problem. */
  headParams: number;
  macs: number;
  flops: number;
}

export function modelCost(graph: Graph, masks: MaskSet | null = null, head: HeadData | null = null): CostSummary {
  let params = 0;
  let maskable = 0;
  let macs = 0;
  const keptKernel = new Map<string, number>();
  const keptBias = new Map<string, number>();
  if (masks) {
    masks.specs.forEach((s, i) => {
      const m = masks.masks[i]!;
      let ones = 0;
      for (let j = 0; j < m.length; j++) ones += m[j]!;
      if (s.role === 'kernel') keptKernel.set(s.node, ones);
      else if (s.role === 'bias') keptBias.set(s.node, ones);
      else {
        keptKernel.set(s.node, (ones * numel(s.kernelShape)) / m.length);
        if (s.hasBias) keptBias.set(s.node, ones);
      }
    });
  }
  let kept = 0;
  for (const node of graph.nodes) {
    for (const w of Object.values(node.weights)) params += w ? numel(w.shape) : 0;
    if (!isMaskable(node)) continue;
    const kernel = numel(node.weights.kernel!.shape);
    const bias = (node.attrs as { useBias?: boolean }).useBias && node.weights.bias ? numel(node.weights.bias.shape) : 0;
    maskable += kernel + bias;
    const k = keptKernel.get(node.name) ?? kernel;
    kept += k + (keptBias.get(node.name) ?? bias);
    // Output positions each kernel weight is applied at.
    const positions = node.attrs.op === 'dense' ? numel(node.outputShape) / node.outputShape[node.outputShape.length - 1]! : numel(node.outputShape.slice(0, 2));
    macs += k * positions;
  }
  const headParams = head ? headParamCount(head) : 0;
  macs += head?.kernel ? head.kernel.length : 0;
  return {
    params: params - (maskable - kept) + headParams,
    maskableParams: maskable,
    keptParams: kept,
    headParams,
    macs,
    flops: 2 * macs,
  };
}
