/**
 * The re-engineered model as a standard TF.js LayersModel: the original
 * architecture with masked-out weights set to zero, ending in the target
 * problem's head. It has the original's size and dense cost (TF.js has no
 * sparse kernels); physically removing weights is a separate export.
 * Head layers appended after the original logits (any final softmax dropped):
 * - appended: Activation(relu) -> Dense(k): outputs the search's logits;
 * - sliced multi-class: Dense(k, no bias) with a one-hot column per target
 *   class: outputs exactly the target classes' logits;
 * - sliced binary: Activation(softmax) -> Dense(2, no bias) with columns e_t
 *   and 1 - e_t: outputs [p(t), 1 - p(t)], the softmax of the search's
 *   [z_t, logsumexp(z_rest)] (standard layers cannot express logsumexp).
 */
import { exportGraph, freshName, type ExportedModel, type ExtraLayer } from '../graph/export.js';
import type { Graph, GraphNode, WeightRole, WeightTensor } from '../graph/types.js';
import type { MaskSet } from '../masks/masks.js';
import type { HeadData } from '../search/head.js';

export function maskedWeights(masks: MaskSet): (node: GraphNode, role: WeightRole) => WeightTensor | undefined {
  const byKey = new Map<string, Uint8Array>();
  masks.specs.forEach((s, i) => byKey.set(`${s.node}/${s.role}`, masks.masks[i]!));
  return (node, role) => {
    if (role !== 'kernel' && role !== 'bias') return undefined;
    const w = node.weights[role];
    if (!w) return undefined;
    const own = byKey.get(`${node.name}/${role}`);
    const filter = byKey.get(`${node.name}/filter`);
    if (!own && !filter) return undefined;
    const data = new Float32Array(w.data.length);
    if (own) {
      for (let i = 0; i < data.length; i++) data[i] = own[i] ? w.data[i]! : 0;
    } else {
      // Filter masks index the last axis of the kernel ([.., in, mult] for depthwise, flattened) and the bias.
      const f = filter!;
      for (let i = 0; i < data.length; i++) data[i] = f[i % f.length] ? w.data[i]! : 0;
    }
    return { shape: w.shape.slice(), data };
  };
}

export function headLayers(graph: Graph, head: HeadData): ExtraLayer[] {
  const dense = (name: string, units: number, useBias: boolean, kernel: Float32Array, bias?: Float32Array): ExtraLayer => ({
    name,
    className: 'Dense',
    config: { units, activation: 'linear', use_bias: useBias, trainable: true },
    weights: [
      { name: 'kernel', tensor: { shape: [head.numLogits, units], data: kernel } },
      ...(useBias && bias ? [{ name: 'bias', tensor: { shape: [units], data: bias } }] : []),
    ],
  });
  const activation = (name: string, fn: string): ExtraLayer => ({ name, className: 'Activation', config: { activation: fn, trainable: true } });
  if (head.kind === 'appended') {
    return [activation(freshName(graph, 'seam_head_relu'), 'relu'), dense(freshName(graph, 'seam_head'), head.numOutputs, true, head.kernel!, head.bias!)];
  }
  const C = head.numLogits;
  if (head.mode === 'multiclass') {
    const k = head.classes.length;
    const sel = new Float32Array(C * k);
    head.classes.forEach((c, j) => (sel[c * k + j] = 1));
    return [dense(freshName(graph, 'seam_select'), k, false, sel)];
  }
  const t = head.classes[0]!;
  const sel = new Float32Array(C * 2);
  for (let c = 0; c < C; c++) sel[c * 2 + (c === t ? 0 : 1)] = 1;
  return [activation(freshName(graph, 'seam_softmax'), 'softmax'), dense(freshName(graph, 'seam_binary'), 2, false, sel)];
}

export function exportMaskedModel(graph: Graph, masks: MaskSet, head: HeadData): ExportedModel {
  return exportGraph(graph, {
    weight: maskedWeights(masks),
    dropFinalSoftmax: true,
    append: headLayers(graph, head),
    name: `${graph.name}_reengineered`,
  });
}
