/**
 * Static output-shape inference (batch dimension left out), run at import so
 * that shape errors surface with the layer's name and cost counting (FLOPs)
 * knows every conv's output size without running the model.
 */
import { ModelInputError } from './model-folder.js';
import { numel, type Graph, type GraphNode } from './types.js';

function convOut(size: number, k: number, s: number, d: number, pad: 'same' | 'valid'): number {
  if (pad === 'same') return Math.ceil(size / s);
  return Math.floor((size - ((k - 1) * d + 1)) / s) + 1;
}

export function inferShapes(graph: Graph): void {
  for (const node of graph.nodes) {
    const ins = node.inputs.map((i) => graph.byName.get(i)!.outputShape);
    node.outputShape = shapeOf(node, ins);
    if (node.outputShape.some((d) => !Number.isInteger(d) || d <= 0)) {
      throw new ModelInputError(
        `layer "${node.name}" (${node.className}): output shape ${JSON.stringify(node.outputShape)} is invalid for input ${JSON.stringify(ins[0])}`,
      );
    }
  }
}

function shapeOf(node: GraphNode, ins: number[][]): number[] {
  const a = node.attrs;
  const err = (why: string) => new ModelInputError(`layer "${node.name}" (${node.className}): ${why}`);
  const x = ins[0];
  if (a.op === 'input') return a.shape.slice();
  if (!x) throw err('has no input');
  const rank4 = () => {
    if (x.length !== 3) throw err(`expects a rank-4 input (batch, height, width, channels), got shape ${JSON.stringify([null, ...x])}`);
    return x as [number, number, number];
  };
  const checkKernel = (expected: number[]) => {
    const k = node.weights.kernel?.shape;
    if (!k || k.join() !== expected.join()) {
      throw err(`kernel shape ${JSON.stringify(k)} does not match the expected ${JSON.stringify(expected)}`);
    }
  };
  switch (a.op) {
    case 'conv2d': {
      const [h, w, c] = rank4();
      checkKernel([a.kernelSize[0], a.kernelSize[1], c, a.filters]);
      return [
        convOut(h, a.kernelSize[0], a.strides[0], a.dilation[0], a.padding),
        convOut(w, a.kernelSize[1], a.strides[1], a.dilation[1], a.padding),
        a.filters,
      ];
    }
    case 'depthwiseConv2d': {
      const [h, w, c] = rank4();
      checkKernel([a.kernelSize[0], a.kernelSize[1], c, a.depthMultiplier]);
      return [
        convOut(h, a.kernelSize[0], a.strides[0], a.dilation[0], a.padding),
        convOut(w, a.kernelSize[1], a.strides[1], a.dilation[1], a.padding),
        c * a.depthMultiplier,
      ];
    }
    case 'dense':
      checkKernel([x[x.length - 1]!, a.units]);
      return [...x.slice(0, -1), a.units];
    case 'batchNorm': {
      const axis = (node.config.axis ?? -1) as number | number[];
      const ax = Array.isArray(axis) ? axis[0]! : axis;
      if (ax !== -1 && ax !== x.length) throw err(`normalising over axis ${ax} is not supported (last axis only)`);
      const c = x[x.length - 1]!;
      for (const role of ['gamma', 'beta', 'movingMean', 'movingVariance'] as const) {
        const t = node.weights[role];
        if (t && numel(t.shape) !== c) throw err(`${role} has ${numel(t.shape)} values for ${c} channels`);
      }
      return x.slice();
    }
    case 'activation':
    case 'leakyRelu':
    case 'reluClip':
    case 'dropout':
      return x.slice();
    case 'maxPool':
    case 'avgPool': {
      const [h, w, c] = rank4();
      return [
        convOut(h, a.poolSize[0], a.strides[0], 1, a.padding),
        convOut(w, a.poolSize[1], a.strides[1], 1, a.padding),
        c,
      ];
    }
    case 'globalAvgPool':
    case 'globalMaxPool':
      return [rank4()[2]];
    case 'flatten':
      return [numel(x)];
    case 'add':
    case 'subtract':
    case 'multiply':
    case 'average':
    case 'maximum':
    case 'minimum':
      for (const s of ins) {
        if (s.join() !== x.join()) throw err(`inputs have different shapes ${ins.map((i) => JSON.stringify(i)).join(' and ')}`);
      }
      return x.slice();
    case 'concat': {
      const rank = x.length + 1;
      const axis = a.axis < 0 ? rank + a.axis : a.axis;
      if (axis < 1 || axis >= rank) throw err(`cannot concatenate over axis ${a.axis}`);
      const out = x.slice();
      out[axis - 1] = 0;
      for (const s of ins) {
        if (s.length !== x.length || s.some((d, i) => i !== axis - 1 && d !== x[i])) {
          throw err(`inputs ${ins.map((i) => JSON.stringify(i)).join(', ')} do not match outside axis ${a.axis}`);
        }
        out[axis - 1]! += s[axis - 1]!;
      }
      return out;
    }
    case 'zeroPad':
    case 'cropping': {
      // Operates on the two axes after the batch, whatever they mean (after a
      // Permute they can be channels: the ResNet shortcut pads channels this way).
      if (x.length !== 3) throw err(`expects a rank-4 input, got shape ${JSON.stringify([null, ...x])}`);
      const p = a.op === 'zeroPad' ? a.padding : a.cropping;
      const sign = a.op === 'zeroPad' ? 1 : -1;
      return [x[0]! + sign * (p[0][0] + p[0][1]), x[1]! + sign * (p[1][0] + p[1][1]), x[2]!];
    }
    case 'permute': {
      const dims = a.dims;
      if (dims.length !== x.length || [...dims].sort((p, q) => p - q).join() !== x.map((_, i) => i + 1).join()) {
        throw err(`dims ${JSON.stringify(dims)} are not a permutation of 1..${x.length}`);
      }
      return dims.map((d) => x[d - 1]!);
    }
    case 'reshape': {
      const total = numel(x);
      const t = a.targetShape.slice();
      const unknown = t.indexOf(-1);
      if (unknown >= 0) t[unknown] = total / numel(t.filter((d) => d !== -1));
      if (numel(t) !== total) throw err(`cannot reshape ${JSON.stringify(x)} to ${JSON.stringify(a.targetShape)}`);
      return t;
    }
  }
}
