/**
 * The two exports of a re-engineered model, in memory:
 * - masked: the original architecture with masked-out weights zeroed, ending
 *   in the target problem's head (engine/export/masked-model.ts);
 * - compact: the same function with every removable channel physically gone.
 */
import { exportGraph, type ExportedModel } from '../graph/export.js';
import type { Graph } from '../graph/types.js';
import type { MaskSet } from '../masks/masks.js';
import type { HeadData } from '../search/head.js';
import { compactGraph, importExported, type RemovalSummary } from './compact.js';
import { exportMaskedModel, maskedWeights } from './masked-model.js';
import { validateHead, validateMaskSet } from './validate.js';

export interface BuildInput {
  /** The original model. */
  graph: Graph;
  masks: MaskSet;
  /** The target problem's head; without one the model keeps its own output. */
  head?: HeadData | null;
}

export interface BuiltModel {
  exported: ExportedModel;
  graph: Graph;
}

export interface BuiltExports {
  masked: BuiltModel;
  compact: BuiltModel;
  removal: RemovalSummary;
}

export function buildMasked({ graph, masks, head }: BuildInput): BuiltModel {
  validateMaskSet(graph, masks);
  if (head) validateHead(graph, head);
  const exported = head
    ? exportMaskedModel(graph, masks, head)
    : exportGraph(graph, { weight: maskedWeights(masks), name: `${graph.name}_masked` });
  return { exported, graph: importExported(exported) };
}

/** Needs an initialised TF.js backend (one forward pass at batch 1 to read constant channels). */
export function buildExports(input: BuildInput): BuiltExports {
  return exportsOfMasked(buildMasked(input), input.graph.name);
}

/**
 * Both exports from a masked model built already (e.g. one fine-tuned with
 * its masks fixed: masked-out weights zero, so the same channels go).
 * `name` is the original model's.
 */
export function exportsOfMasked(masked: BuiltModel, name: string): BuiltExports {
  const compact = compactGraph(masked.graph, { name: `${name}_compact` });
  return { masked, compact: { exported: compact.exported, graph: compact.graph }, removal: compact.summary };
}
