/**
 * The engine's one graph abstraction: a trained TF.js LayersModel imported as
 * an explicit DAG of standard layers. Masks, forward passes, cost counting,
 * export and (later) channel-dependency analysis all work on this shape, so
 * every node keeps its op kind, parsed attributes, inbound node names, the
 * original Keras config (for re-export) and its weights by role.
 */

export type Activation =
  | 'linear'
  | 'relu'
  | 'relu6'
  | 'softmax'
  | 'sigmoid'
  | 'tanh'
  | 'elu'
  | 'selu'
  | 'softplus'
  | 'softsign'
  | 'swish'
  | 'hard_sigmoid'
  | 'mish';

export type Padding = 'same' | 'valid';

/** What conv2d and depthwiseConv2d share. */
export interface ConvGeometry {
  kernelSize: [number, number];
  strides: [number, number];
  padding: Padding;
  dilation: [number, number];
  activation: Activation;
  useBias: boolean;
}

export type NodeAttrs =
  | { op: 'input'; shape: number[] }
  | ({ op: 'conv2d'; filters: number } & ConvGeometry)
  | ({ op: 'depthwiseConv2d'; depthMultiplier: number } & ConvGeometry)
  | { op: 'dense'; units: number; activation: Activation; useBias: boolean }
  | { op: 'batchNorm'; epsilon: number; center: boolean; scale: boolean }
  | { op: 'activation'; activation: Activation }
  | { op: 'leakyRelu'; alpha: number }
  | { op: 'reluClip'; maxValue: number }
  | { op: 'maxPool' | 'avgPool'; poolSize: [number, number]; strides: [number, number]; padding: Padding }
  | { op: 'globalAvgPool' | 'globalMaxPool' }
  | { op: 'flatten' }
  | { op: 'dropout' }
  | { op: 'add' | 'subtract' | 'multiply' | 'average' | 'maximum' | 'minimum' }
  | { op: 'concat'; axis: number }
  | { op: 'zeroPad'; padding: [[number, number], [number, number]] }
  | { op: 'cropping'; cropping: [[number, number], [number, number]] }
  | { op: 'permute'; dims: number[] }
  | { op: 'reshape'; targetShape: number[] };

export type OpKind = NodeAttrs['op'];

/** Weight roles, named the same for every layer kind (a depthwise kernel is `kernel`). */
export type WeightRole = 'kernel' | 'bias' | 'gamma' | 'beta' | 'movingMean' | 'movingVariance';

export interface WeightTensor {
  shape: number[];
  data: Float32Array;
}

export interface GraphNode {
  name: string;
  /** Keras class name as found in model.json, e.g. "Conv2D". */
  className: string;
  attrs: NodeAttrs;
  /** Names of the nodes feeding this one, in call order. */
  inputs: string[];
  weights: Partial<Record<WeightRole, WeightTensor>>;
  /** Output shape without the batch dimension (static inference at import). */
  outputShape: number[];
  /** The layer's Keras config as imported, kept verbatim for export. */
  config: Record<string, unknown>;
}

export interface Graph {
  name: string;
  /** Nodes in topological order; the first is the single input. */
  nodes: GraphNode[];
  byName: Map<string, GraphNode>;
  input: string;
  output: string;
  /** Top-level model.json fields worth carrying into an export. */
  meta: { kerasVersion?: string; backend?: string; generatedBy?: string; convertedBy?: string | null };
}

/** Nodes whose kernel (and bias) the method masks. */
export function isMaskable(node: GraphNode): boolean {
  const op = node.attrs.op;
  return op === 'conv2d' || op === 'depthwiseConv2d' || op === 'dense';
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function getNode(graph: Graph, name: string): GraphNode {
  const node = graph.byName.get(name);
  if (!node) throw new Error(`graph ${graph.name} has no node "${name}"`);
  return node;
}
