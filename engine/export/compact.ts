/**
 * The compact model: from a masked graph (masked weights already zero) to a
 * physically smaller standard graph computing the same function. Constant
 * residual branches out (constant-branches.ts) -> analysis (channels.ts) ->
 * plan (plan.ts) -> rewrite (rewrite.ts) -> selection folding (fuse.ts) ->
 * BatchNorm / activation folding (simplify.ts) -> serialised with the
 * engine's writer and re-imported, so the result has inferred shapes and
 * went through the importer's checks.
 */
import { exportGraph, type ExportedModel } from '../graph/export.js';
import { importGraph } from '../graph/import.js';
import type { Graph, WeightTensor } from '../graph/types.js';
import { analyzeChannels, type ChannelAnalysis } from './channels.js';
import { dropConstantBranches, type ConstantBranchResult } from './constant-branches.js';
import { fuseSelections } from './fuse.js';
import { planRemoval, type ValueMapSource } from './plan.js';
import { applyPlan, type LayerChange } from './rewrite.js';
import { simplifyForInference } from './simplify.js';
import { zeroInputOutputs } from './zero-input-values.js';

export interface RemovalSummary {
  /** Channel groups (sets of channels that go together) found, removed, pinned, and kept only to stay exact. */
  groups: { total: number; removed: number; pinned: number; forcedKept: number };
  /** Layers whose channel / unit count changed. */
  layers: LayerChange[];
  /** Layers removed entirely. */
  droppedLayers: string[];
  /** Residual Adds whose other input was an input-independent constant, now a pass-through or a bias (constant-branches.ts). */
  constantBranches: ConstantBranchResult['adds'];
  /** Selection layers folded into the layer before them. */
  fusedLayers: string[];
  /** BatchNormalization / Activation layers folded into the conv or dense layer before them (simplify.ts). */
  foldedBatchNorms: string[];
  mergedActivations: string[];
  /** Removed channels whose constant output went into a consumer's bias / was merged into a kept channel. */
  foldedChannels: number;
  mergedChannels: number;
}

export interface CompactResult {
  graph: Graph;
  exported: ExportedModel;
  summary: RemovalSummary;
}

export interface CompactOptions {
  /** Values of input-independent channels (default: one forward pass of the masked model). */
  values?: ValueMapSource;
  name?: string;
  /** Fold BatchNorm and activations into the layer before them (default true). */
  simplify?: boolean;
}

export function compactGraph(masked: Graph, opts: CompactOptions = {}): CompactResult {
  const first = analyzeChannels(masked);
  const branches = dropConstantBranches(masked, first);
  const analysis = branches.graph === masked ? first : analyzeChannels(branches.graph);
  const plan = planRemoval(analysis, opts.values ?? valueMapsByForward(analysis));
  const { graph, changes, dropped } = applyPlan(plan);
  const fused = fuseSelections(graph);
  const simplified = opts.simplify === false ? { foldedBatchNorms: [], mergedActivations: [] } : simplifyForInference(graph);
  const exported = exportGraph(graph, { name: opts.name ?? masked.name });
  const compact = importExported(exported);

  const roots = new Set<number>();
  for (let id = 0; id < analysis.idCount; id++) roots.add(analysis.root(id));
  let removed = 0;
  let pinned = 0;
  for (const r of roots) {
    if (!plan.needed[r]) removed++;
    if (analysis.isPinned(r)) pinned++;
  }
  let folded = 0;
  let merged = 0;
  for (const adj of plan.adjustments.values()) {
    folded += adj.folded;
    merged += adj.merged;
  }
  return {
    graph: compact,
    exported,
    summary: {
      groups: { total: roots.size, removed, pinned, forcedKept: plan.forcedKept },
      layers: changes,
      droppedLayers: [...branches.removed, ...dropped],
      constantBranches: branches.adds,
      fusedLayers: fused,
      ...simplified,
      foldedChannels: folded,
      mergedChannels: merged,
    },
  };
}

/**
 * Values of the conv/dense inputs for an all-zero input image: for the slots
 * the analysis found input-independent these are their values for any input.
 * One forward pass of the masked model itself, so they match it bit for bit.
 */
export function valueMapsByForward(analysis: ChannelAnalysis): ValueMapSource {
  let maps: Map<string, Float32Array> | undefined;
  return (node) => {
    // Only inputs with an input-independent slot can have a removed slot that is still read.
    maps ??= zeroInputOutputs(analysis.graph, new Set(analysis.mixers.map((m) => m.input).filter((n) => analysis.tensors.get(n)!.indep.includes(1))));
    const v = maps.get(node);
    if (!v) throw new Error(`no captured values for "${node}" (internal error)`);
    return v;
  };
}

/** Decodes an in-memory export (one float32 shard) back into the engine's graph. */
export function importExported(exported: ExportedModel): Graph {
  const weights = new Map<string, WeightTensor>();
  const bytes = exported.weightData;
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  let offset = 0;
  for (const group of exported.modelJson.weightsManifest) {
    for (const spec of group.weights) {
      const n = spec.shape.reduce((a, b) => a * b, 1);
      weights.set(spec.name, { shape: spec.shape.slice(), data: all.slice(offset, offset + n) });
      offset += n;
    }
  }
  return importGraph(exported.modelJson, weights);
}
