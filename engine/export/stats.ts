/**
 * Size and cost of one exported model: parameters (all stored, and non-zero),
 * multiply-accumulates of its conv / dense layers (dense count: what TF.js
 * computes, zeros included; and the non-zero count, what a sparse runtime
 * could skip), bytes on disk and gzipped (as served over HTTP).
 */
import { gzipSync } from 'node:zlib';
import { modelCost } from '../eval/cost.js';
import { isMaskable, numel, type Graph } from '../graph/types.js';
import type { ModelFiles } from './write-folder.js';

export interface ModelStats {
  params: number;
  nonzeroParams: number;
  macs: number;
  flops: number;
  nonzeroFlops: number;
  fileBytes: number;
  gzipBytes: number;
}

export function modelStats(graph: Graph, files: ModelFiles): ModelStats {
  const cost = modelCost(graph);
  let nonzeroParams = 0;
  let nonzeroMacs = 0;
  for (const node of graph.nodes) {
    for (const w of Object.values(node.weights)) if (w) for (const v of w.data) if (v !== 0) nonzeroParams++;
    if (!isMaskable(node)) continue;
    let nz = 0;
    for (const v of node.weights.kernel!.data) if (v !== 0) nz++;
    const out = node.outputShape;
    // Output positions each kernel weight is used at (as engine/eval/cost.ts counts them).
    const positions = node.attrs.op === 'dense' ? numel(out) / out[out.length - 1]! : numel(out.slice(0, 2));
    nonzeroMacs += nz * positions;
  }
  return {
    params: cost.params,
    nonzeroParams,
    macs: cost.macs,
    flops: cost.flops,
    nonzeroFlops: 2 * nonzeroMacs,
    fileBytes: files.modelJson.length + files.weights.length,
    gzipBytes: gzipSync(files.modelJson).length + gzipSync(files.weights).length,
  };
}
