/**
 * Forward pass over the graph with raw tf ops (differentiable everywhere the
 * search needs it: no stridedSlice, BatchNorm as scale and shift). Weights come
 * from a Params map so a masked copy can be swapped in per step. Call inside
 * tf.tidy (or a gradient function): intermediate tensors are not disposed here.
 */
import * as tf from '@tensorflow/tfjs';
import { ModelInputError } from './model-folder.js';
import { paramKey, type Params } from './params.js';
import type { Activation, Graph, GraphNode } from './types.js';

export interface ForwardOptions {
  /**
   * Return the pre-softmax logits when the model ends in a softmax (as a
   * separate layer or as the output layer's activation): the search's loss
   * and heads work on logits.
   */
  logits?: boolean;
  /** Sees every node's output (e.g. to check shapes or extract features). */
  capture?: (node: GraphNode, value: tf.Tensor) => void;
  /** Stop at this node and return its output instead of the model output. */
  until?: string;
}

/** Where the model's logits are: the output node, and whether to skip its activation. */
export function logitsNode(graph: Graph): { node: string; skipActivation: boolean } {
  const out = graph.byName.get(graph.output)!;
  const a = out.attrs;
  if (a.op === 'activation' && a.activation === 'softmax') return { node: out.inputs[0]!, skipActivation: false };
  if ((a.op === 'conv2d' || a.op === 'dense' || a.op === 'depthwiseConv2d') && a.activation === 'softmax') {
    return { node: out.name, skipActivation: true };
  }
  return { node: out.name, skipActivation: false };
}

/** Number of logits (classes) the model outputs. */
export function logitCount(graph: Graph): number {
  const out = graph.byName.get(graph.output)!.outputShape;
  if (out.length !== 1) throw new ModelInputError(`model output shape ${JSON.stringify(out)} is not [classes]`);
  return out[0]!;
}


export function forward(graph: Graph, params: Params, x: tf.Tensor, opts: ForwardOptions = {}): tf.Tensor {
  const values = new Map<string, tf.Tensor>();
  let stopAt = opts.until ?? graph.output;
  let skipActivationAt: string | undefined;
  if (opts.logits && !opts.until) {
    const l = logitsNode(graph);
    stopAt = l.node;
    if (l.skipActivation) skipActivationAt = l.node;
  }
  for (const node of graph.nodes) {
    const ins = node.inputs.map((i) => values.get(i)!);
    const y = node.attrs.op === 'input' ? x : applyNode(node, ins, params, node.name === skipActivationAt);
    values.set(node.name, y);
    opts.capture?.(node, y);
    if (node.name === stopAt) return y;
  }
  throw new Error(`forward: node "${stopAt}" not reached`);
}

function applyNode(node: GraphNode, ins: tf.Tensor[], params: Params, skipActivation: boolean): tf.Tensor {
  const a = node.attrs;
  const x = ins[0]!;
  const p = (role: 'kernel' | 'bias' | 'bnScale' | 'bnShift') => {
    const t = params.get(paramKey(node.name, role));
    if (!t) throw new Error(`forward: no ${role} for "${node.name}"`);
    return t;
  };
  const act = (y: tf.Tensor, f: Activation) => (skipActivation ? y : activate(y, f));
  switch (a.op) {
    case 'input':
      return x;
    case 'conv2d': {
      let y: tf.Tensor = tf.conv2d(x as tf.Tensor4D, p('kernel') as tf.Tensor4D, a.strides, a.padding, 'NHWC', a.dilation);
      if (a.useBias) y = tf.add(y, p('bias'));
      return act(y, a.activation);
    }
    case 'depthwiseConv2d': {
      let y: tf.Tensor = tf.depthwiseConv2d(x as tf.Tensor4D, p('kernel') as tf.Tensor4D, a.strides, a.padding, 'NHWC', a.dilation);
      if (a.useBias) y = tf.add(y, p('bias'));
      return act(y, a.activation);
    }
    case 'dense': {
      const k = p('kernel') as tf.Tensor2D;
      let y: tf.Tensor;
      if (x.rank === 2) y = tf.matMul(x as tf.Tensor2D, k);
      else {
        // Keras applies Dense to the last axis of a higher-rank input.
        const lead = x.shape.slice(0, -1);
        y = tf.reshape(tf.matMul(tf.reshape(x, [-1, x.shape[x.rank - 1]!]), k), [...lead, a.units]);
      }
      if (a.useBias) y = tf.add(y, p('bias'));
      return act(y, a.activation);
    }
    case 'batchNorm':
      return tf.add(tf.mul(x, p('bnScale')), p('bnShift'));
    case 'activation':
      return act(x, a.activation);
    case 'leakyRelu':
      return tf.leakyRelu(x, a.alpha);
    case 'reluClip':
      return tf.clipByValue(x, 0, a.maxValue);
    case 'maxPool':
      return tf.maxPool(x as tf.Tensor4D, a.poolSize, a.strides, a.padding);
    case 'avgPool':
      return tf.avgPool(x as tf.Tensor4D, a.poolSize, a.strides, a.padding);
    case 'globalAvgPool':
      return tf.mean(x, [1, 2]);
    case 'globalMaxPool':
      return tf.max(x, [1, 2]);
    case 'flatten':
      return tf.reshape(x, [x.shape[0]!, -1]);
    case 'dropout':
      return x;
    case 'add':
      return ins.slice(1).reduce((s, t) => tf.add(s, t), x);
    case 'subtract':
      return tf.sub(x, ins[1]!);
    case 'multiply':
      return ins.slice(1).reduce((s, t) => tf.mul(s, t), x);
    case 'average':
      return tf.div(ins.slice(1).reduce((s, t) => tf.add(s, t), x), ins.length);
    case 'maximum':
      return ins.slice(1).reduce((s, t) => tf.maximum(s, t), x);
    case 'minimum':
      return ins.slice(1).reduce((s, t) => tf.minimum(s, t), x);
    case 'concat':
      return tf.concat(ins, a.axis);
    case 'zeroPad':
      return tf.pad(x, [[0, 0], a.padding[0], a.padding[1], [0, 0]]);
    case 'cropping': {
      const [[t, b], [l, r]] = a.cropping;
      return tf.slice(x, [0, t, l, 0], [-1, x.shape[1]! - t - b, x.shape[2]! - l - r, -1]);
    }
    case 'permute':
      return tf.transpose(x, [0, ...a.dims]);
    case 'reshape':
      return tf.reshape(x, [x.shape[0]!, ...node.outputShape]);
  }
}

export function activate(x: tf.Tensor, f: Activation): tf.Tensor {
  switch (f) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'softmax':
      return tf.softmax(x, -1);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'tanh':
      return tf.tanh(x);
    case 'elu':
      return tf.elu(x);
    case 'selu':
      return tf.selu(x);
    case 'softplus':
      return tf.softplus(x);
    case 'softsign':
      return tf.div(x, tf.add(tf.abs(x), 1));
    case 'swish':
      return tf.mul(x, tf.sigmoid(x));
    case 'hard_sigmoid':
      return tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1);
    case 'mish':
      return tf.mul(x, tf.tanh(tf.softplus(x)));
  }
}
