/**
 * Writes a graph back out as a standard TF.js LayersModel (functional
 * topology + one float32 weight shard) that loads with plain
 * tf.loadLayersModel: the same layers and configs as imported, with optional
 * replacement weights and extra layers appended after the output.
 */
import { logitsNode } from './forward.js';
import type { ModelJson, WeightsGroup } from './model-folder.js';
import { packWeights } from './model-folder.js';
import type { Graph, GraphNode, WeightRole, WeightTensor } from './types.js';

export interface ExtraLayer {
  name: string;
  className: string;
  config: Record<string, unknown>;
  /** Weights by Keras name (kernel, bias, ...), in the layer's own order. */
  weights?: { name: string; tensor: WeightTensor }[];
}

export interface ExportOptions {
  /** Replacement weights (e.g. masked kernels); return undefined to keep the original. */
  weight?: (node: GraphNode, role: WeightRole) => WeightTensor | undefined;
  /** End at the pre-softmax logits (drop a final softmax layer or activation). */
  dropFinalSoftmax?: boolean;
  /** Layers chained after the (logits) output, in order; the last is the new output. */
  append?: ExtraLayer[];
  name?: string;
}

export interface ExportedModel {
  modelJson: ModelJson;
  weightData: Uint8Array;
}

const kerasRole: Record<WeightRole, string> = {
  kernel: 'kernel',
  bias: 'bias',
  gamma: 'gamma',
  beta: 'beta',
  movingMean: 'moving_mean',
  movingVariance: 'moving_variance',
};

export function exportGraph(graph: Graph, opts: ExportOptions = {}): ExportedModel {
  let output = graph.output;
  let skipLayer: string | undefined;
  let linearise: string | undefined;
  if (opts.dropFinalSoftmax) {
    const l = logitsNode(graph);
    if (l.skipActivation) linearise = l.node;
    else if (l.node !== graph.output) {
      skipLayer = graph.output;
      output = l.node;
    }
  }
  const layers: Record<string, unknown>[] = [];
  const weights: { name: string; tensor: WeightTensor }[] = [];
  const taken = new Set(graph.nodes.map((n) => n.name));
  for (const node of graph.nodes) {
    if (node.name === skipLayer) continue;
    const config: Record<string, unknown> = { ...node.config, name: node.name };
    if (node.attrs.op !== 'input') {
      delete config.batch_input_shape;
      delete config.batchInputShape;
    }
    if (node.name === linearise) config.activation = 'linear';
    layers.push({
      name: node.name,
      class_name: node.className,
      config,
      inbound_nodes: node.inputs.length ? [node.inputs.map((i) => [i, 0, 0, {}])] : [],
    });
    for (const role of Object.keys(node.weights) as WeightRole[]) {
      const t = opts.weight?.(node, role) ?? node.weights[role]!;
      const keras = role === 'kernel' && node.attrs.op === 'depthwiseConv2d' ? 'depthwise_kernel' : kerasRole[role];
      weights.push({ name: `${node.name}/${keras}`, tensor: t });
    }
  }
  for (const extra of opts.append ?? []) {
    if (taken.has(extra.name)) throw new Error(`export: layer name "${extra.name}" is already used`);
    taken.add(extra.name);
    layers.push({
      name: extra.name,
      class_name: extra.className,
      config: { ...extra.config, name: extra.name },
      inbound_nodes: [[[output, 0, 0, {}]]],
    });
    for (const w of extra.weights ?? []) weights.push({ name: `${extra.name}/${w.name}`, tensor: w.tensor });
    output = extra.name;
  }
  const { manifest, data } = packWeights(weights);
  const modelJson: ModelJson = {
    format: 'layers-model',
    generatedBy: graph.meta.generatedBy ?? 'seamflow',
    convertedBy: 'seamflow',
    modelTopology: {
      class_name: 'Model',
      config: {
        name: opts.name ?? graph.name,
        layers,
        input_layers: [[graph.input, 0, 0]],
        output_layers: [[output, 0, 0]],
      },
      keras_version: graph.meta.kerasVersion ?? 'tfjs-layers 4.22.0',
      backend: graph.meta.backend ?? 'tensor_flow.js',
    },
    weightsManifest: manifest as WeightsGroup[],
  };
  return { modelJson, weightData: data };
}

/** A unique layer name built from `base`. */
export function freshName(graph: Graph, base: string): string {
  let name = base;
  for (let i = 1; graph.byName.has(name); i++) name = `${base}_${i}`;
  return name;
}
