/**
 * The teacher split into feature extractor and output layer: the penultimate
 * features are the input of the layer that produces the logits, and a reused
 * model is the feature extractor with a new Dense output layer.
 */
import { logitsNode } from '../graph/forward.js';
import { ModelInputError } from '../graph/model-folder.js';
import type { Graph, GraphNode } from '../graph/types.js';
import type { Rng } from '../random.js';

export const HEAD_NAME = 'reuse_head';

/** Name of the node whose output the teacher's output layer reads (the penultimate features). */
export function featureNode(graph: Graph): string {
  const out = graph.byName.get(logitsNode(graph).node)!;
  if (out.attrs.op !== 'dense') {
    throw new ModelInputError(`the model's output layer "${out.name}" is a ${out.className}, not a Dense layer: cannot separate its feature extractor`);
  }
  return out.inputs[0]!;
}

/** Width of the penultimate features. */
export function featureSize(graph: Graph): number {
  const shape = graph.byName.get(featureNode(graph))!.outputShape;
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * The feature extractor with a new Dense(outputs) output layer (linear,
 * PyTorch's nn.Linear init: U(+-1/sqrt(fan_in)) for kernel and bias).
 */
export function withNewHead(graph: Graph, outputs: number, rng: Rng): Graph {
  const feat = featureNode(graph);
  const old = graph.byName.get(logitsNode(graph).node)!;
  const upTo = graph.nodes.findIndex((n) => n.name === feat);
  const kept = graph.nodes.slice(0, upTo + 1);
  if (kept.some((n) => n.name === HEAD_NAME)) throw new ModelInputError(`the model already has a layer named "${HEAD_NAME}"`);
  const fanIn = featureSize(graph);
  const bound = 1 / Math.sqrt(fanIn);
  const u = () => (rng.next() * 2 - 1) * bound;
  const head: GraphNode = {
    name: HEAD_NAME,
    className: 'Dense',
    attrs: { op: 'dense', units: outputs, activation: 'linear', useBias: true },
    inputs: [feat],
    weights: {
      kernel: { shape: [fanIn, outputs], data: Float32Array.from({ length: fanIn * outputs }, u) },
      bias: { shape: [outputs], data: Float32Array.from({ length: outputs }, u) },
    },
    outputShape: [outputs],
    config: { ...old.config, name: HEAD_NAME, units: outputs, activation: 'linear', use_bias: true, trainable: true },
  };
  const nodes = [...kept, head];
  return { ...graph, nodes, byName: new Map(nodes.map((n) => [n.name, n])), output: HEAD_NAME };
}
