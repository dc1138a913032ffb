/**
 * Inference-time simplifications of the compact graph, each exact up to
 * float rounding (the export's equality check covers them):
 * - a BatchNormalization whose only input is a conv / depthwise / dense layer
 *   with a linear activation (and nothing else reads that layer) folds into
 *   the layer's kernel and bias: y = s * (W x + b) + t = (s W) x + (s b + t);
 * - an Activation (or ReLU layer) right after such a layer becomes the
 *   layer's own activation, which TF.js runs inside its fused conv / matMul
 *   kernel instead of as a separate pass.
 * Padding is untouched, so a BatchNorm *before* a padded conv is not folded.
 */
import { foldBatchNorm } from '../graph/params.js';
import type { Activation, Graph, GraphNode } from '../graph/types.js';

export interface SimplifyResult {
  /** BatchNormalization layers folded into the layer before them. */
  foldedBatchNorms: string[];
  /** Activation layers merged into the layer before them. */
  mergedActivations: string[];
}

export function simplifyForInference(graph: Graph): SimplifyResult {
  const foldedBatchNorms: string[] = [];
  const mergedActivations: string[] = [];
  for (const node of graph.nodes.slice()) {
    const a = node.attrs;
    const prev = singleProducer(graph, node);
    if (!prev) continue;
    const pa = prev.attrs;
    if (pa.op !== 'conv2d' && pa.op !== 'depthwiseConv2d' && pa.op !== 'dense') continue;
    if (pa.activation !== 'linear') continue;
    if (a.op === 'batchNorm') {
      const { scale, shift } = foldBatchNorm(node.weights, a.epsilon);
      const k = prev.weights.kernel!;
      const n = scale.length;
      const kernel = new Float32Array(k.data.length);
      for (let i = 0; i < kernel.length; i++) kernel[i] = k.data[i]! * scale[i % n]!;
      const bias = new Float32Array(n);
      for (let o = 0; o < n; o++) bias[o] = (pa.useBias && prev.weights.bias ? prev.weights.bias.data[o]! : 0) * scale[o]! + shift[o]!;
      prev.weights = { kernel: { shape: k.shape.slice(), data: kernel }, bias: { shape: [n], data: bias } };
      prev.attrs = { ...pa, useBias: true };
      prev.config = { ...prev.config, use_bias: true };
      bypass(graph, node, prev);
      foldedBatchNorms.push(node.name);
    } else if (a.op === 'activation' && a.activation !== 'softmax' && a.activation !== 'linear') {
      const name = kerasActivationName(node, a.activation);
      if (!name) continue;
      prev.attrs = { ...pa, activation: a.activation };
      prev.config = { ...prev.config, activation: name };
      bypass(graph, node, prev);
      mergedActivations.push(node.name);
    }
  }
  return { foldedBatchNorms, mergedActivations };
}

/** The node's one input, when nothing else reads it and it is not the model output. */
function singleProducer(graph: Graph, node: GraphNode): GraphNode | undefined {
  if (node.inputs.length !== 1) return undefined;
  const prev = graph.byName.get(node.inputs[0]!);
  if (!prev || prev.name === graph.output) return undefined;
  const readers = graph.nodes.filter((n) => n.inputs.includes(prev.name));
  return readers.length === 1 ? prev : undefined;
}

/** Removes `node`, whose consumers now read `prev`. */
function bypass(graph: Graph, node: GraphNode, prev: GraphNode): void {
  for (const n of graph.nodes) n.inputs = n.inputs.map((i) => (i === node.name ? prev.name : i));
  if (graph.output === node.name) graph.output = prev.name;
  graph.nodes = graph.nodes.filter((n) => n !== node);
  graph.byName.delete(node.name);
}

/** The activation's name as a layer config takes it (the Activation layer's own string when it has one). */
function kerasActivationName(node: GraphNode, act: Activation): string | undefined {
  if (node.className === 'Activation' && typeof node.config.activation === 'string') return node.config.activation;
  if (node.className === 'ReLU') return act;
  return undefined;
}
