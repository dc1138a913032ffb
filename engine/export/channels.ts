/**
 * Channel dependency analysis (the idea of Torch-Pruning's DepGraph, written
 * for the engine's graph): every node output gets a list of "slots" along its
 * channel axis, and slots that must be kept or removed together share a group.
 *
 * - conv / dense outputs start new groups; BatchNorm, activations, pooling,
 *   dropout and Permute carry their input's slots (Permute moves the axis);
 * - Add-like merges unite the groups of all inputs slot by slot;
 * - Concatenate along the channel axis lines the inputs' slots up one after
 *   the other (ranges), along another axis it unites them;
 * - ZeroPadding2D across the channel axis (the ResNet option-A shortcut:
 *   Permute -> ZeroPadding2D -> Permute) adds zero-valued slots with their own
 *   groups, so removing a group on the padded side shrinks the padding;
 * - DepthwiseConv2D ties input channel c to its outputs c*m .. c*m+m-1;
 * - Flatten maps one channel to all its positions (channel-fastest order);
 * - anything else (softmax, reshape, ops across the channel axis) is opaque:
 *   its input and output groups are pinned, as are the model's input and output.
 *
 * It also marks which slots are input-independent (their value does not depend
 * on the model input: a masked-out filter still emits bias / BN shift / its
 * activation), which is what lets removal fold them away exactly.
 */
import { numel, type Graph, type GraphNode } from '../graph/types.js';
import { UnionFind } from './union-find.js';

export interface TensorChannels {
  node: string;
  /** Output shape without the batch dimension. */
  shape: number[];
  /** Index into `shape` of the axis the slots run along. */
  axis: number;
  /** Raw group id per position along `axis` (resolve with ChannelAnalysis.root). */
  slots: Int32Array;
  /** 1 where the slot's value does not depend on the model input. */
  indep: Uint8Array;
}

/** A channel-mixing consumer: a conv or dense layer reading a tensor's slots. */
export interface Mixer {
  node: GraphNode;
  input: string;
  nIn: number;
  nOut: number;
  /** Kernel positions (kh * kw; 1 for dense): the kernel is laid out [taps][nIn][nOut]. */
  taps: number;
  kernel: Float32Array;
  /** Whether the layer pads its input with zeros itself ('same' with a kernel wider than 1). */
  implicitPad: boolean;
}

/** Channel padding added by a ZeroPadding2D across the channel axis. */
export interface ChannelPad {
  node: string;
  /** Which padded axis (0 or 1 of the non-batch dims) is the channel axis. */
  axis: 0 | 1;
  before: number;
  after: number;
}

export interface ChannelAnalysis {
  graph: Graph;
  tensors: Map<string, TensorChannels>;
  mixers: Mixer[];
  channelPads: Map<string, ChannelPad>;
  /** Number of raw ids (groups are their roots). */
  idCount: number;
  root(id: number): number;
  isPinned(root: number): boolean;
  /** Why a group is pinned (first reason found), for reports and tests. */
  pinReason(root: number): string | undefined;
  /** The group roots of a node's output slots. */
  groupsOf(node: string): number[];
}

export function analyzeChannels(graph: Graph): ChannelAnalysis {
  const uf = new UnionFind();
  const tensors = new Map<string, TensorChannels>();
  const mixers: Mixer[] = [];
  const channelPads = new Map<string, ChannelPad>();
  const pins: { id: number; why: string }[] = [];

  const fresh = (n: number): Int32Array => {
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = uf.make();
    return a;
  };
  const pinAll = (t: TensorChannels, why: string) => t.slots.forEach((id) => pins.push({ id, why }));
  const same = (node: GraphNode, t: TensorChannels): TensorChannels => ({
    node: node.name,
    shape: node.outputShape,
    axis: t.axis,
    slots: t.slots,
    indep: t.indep,
  });
  const opaque = (node: GraphNode, ins: TensorChannels[], why: string): TensorChannels => {
    const reason = `${node.name} (${node.className}): ${why}`;
    ins.forEach((t) => pinAll(t, reason));
    const shape = node.outputShape;
    const out = { node: node.name, shape, axis: shape.length - 1, slots: fresh(shape[shape.length - 1]!), indep: new Uint8Array(shape[shape.length - 1]!) };
    pinAll(out, reason);
    return out;
  };

  for (const node of graph.nodes) {
    const ins = node.inputs.map((i) => tensors.get(i)!);
    const x = ins[0]!;
    const a = node.attrs;
    const spatial = () => x.shape.length === 3 && x.axis === 2;
    let out: TensorChannels;
    switch (a.op) {
      case 'input': {
        const shape = node.outputShape;
        out = { node: node.name, shape, axis: shape.length - 1, slots: fresh(shape[shape.length - 1]!), indep: new Uint8Array(shape[shape.length - 1]!) };
        pinAll(out, `${node.name}: model input`);
        break;
      }
      case 'conv2d':
      case 'dense': {
        const lastAxis = a.op === 'dense' ? x.axis === x.shape.length - 1 : spatial();
        if (!lastAxis) {
          out = opaque(node, ins, 'applied across a non-channel axis');
          break;
        }
        const k = node.weights.kernel!;
        const nIn = k.shape[k.shape.length - 2]!;
        const nOut = k.shape[k.shape.length - 1]!;
        const mixer: Mixer = {
          node,
          input: node.inputs[0]!,
          nIn,
          nOut,
          taps: k.data.length / (nIn * nOut),
          kernel: k.data,
          implicitPad: a.op === 'conv2d' ? hasImplicitPadding(node, x.shape) : false,
        };
        mixers.push(mixer);
        const indep = new Uint8Array(nOut);
        for (let o = 0; o < nOut; o++) indep[o] = readsOnlyIndependent(mixer, o, x.indep) ? 1 : 0;
        out = { node: node.name, shape: node.outputShape, axis: node.outputShape.length - 1, slots: fresh(nOut), indep };
        break;
      }
      case 'depthwiseConv2d': {
        if (!spatial()) {
          out = opaque(node, ins, 'applied across a non-channel axis');
          break;
        }
        const c = x.slots.length;
        const m = a.depthMultiplier;
        const k = node.weights.kernel!.data;
        const taps = k.length / (c * m);
        const slots = new Int32Array(c * m);
        const indep = new Uint8Array(c * m);
        for (let ch = 0; ch < c; ch++) {
          for (let j = 0; j < m; j++) {
            slots[ch * m + j] = x.slots[ch]!;
            let zero = true;
            for (let t = 0; t < taps && zero; t++) if (k[(t * c + ch) * m + j] !== 0) zero = false;
            indep[ch * m + j] = zero || x.indep[ch] ? 1 : 0;
          }
        }
        out = { node: node.name, shape: node.outputShape, axis: 2, slots, indep };
        break;
      }
      case 'batchNorm':
        out = x.axis === x.shape.length - 1 ? same(node, x) : opaque(node, ins, 'normalises a non-channel axis');
        break;
      case 'activation':
        out = a.activation === 'softmax' ? opaque(node, ins, 'softmax mixes channels') : same(node, x);
        break;
      case 'leakyRelu':
      case 'reluClip':
      case 'dropout':
        out = same(node, x);
        break;
      case 'maxPool':
      case 'avgPool':
        out = spatial() ? same(node, x) : opaque(node, ins, 'pools across the channel axis');
        break;
      case 'globalAvgPool':
      case 'globalMaxPool':
        out = spatial() ? { node: node.name, shape: node.outputShape, axis: 0, slots: x.slots, indep: x.indep } : opaque(node, ins, 'pools across the channel axis');
        break;
      case 'flatten': {
        const n = numel(x.shape);
        const stride = numel(x.shape.slice(x.axis + 1));
        const len = x.slots.length;
        const slots = new Int32Array(n);
        const indep = new Uint8Array(n);
        for (let i = 0; i < n; i++) {
          const c = Math.floor(i / stride) % len;
          slots[i] = x.slots[c]!;
          indep[i] = x.indep[c]!;
        }
        out = { node: node.name, shape: node.outputShape, axis: 0, slots, indep };
        break;
      }
      case 'add':
      case 'subtract':
      case 'multiply':
      case 'average':
      case 'maximum':
      case 'minimum': {
        if (ins.some((t) => t.axis !== x.axis)) {
          out = opaque(node, ins, 'inputs have their channels on different axes');
          break;
        }
        out = { ...same(node, x), indep: x.indep.slice() };
        for (const t of ins.slice(1)) {
          for (let i = 0; i < t.slots.length; i++) {
            uf.union(x.slots[i]!, t.slots[i]!);
            if (!t.indep[i]) out.indep[i] = 0;
          }
        }
        break;
      }
      case 'concat': {
        const rank = x.shape.length + 1;
        const axis = (a.axis < 0 ? rank + a.axis : a.axis) - 1;
        if (ins.some((t) => t.axis !== x.axis)) {
          out = opaque(node, ins, 'inputs have their channels on different axes');
        } else if (axis === x.axis) {
          // Ranges: the output's slots are the inputs' slots one after the other.
          const total = ins.reduce((s, t) => s + t.slots.length, 0);
          const slots = new Int32Array(total);
          const indep = new Uint8Array(total);
          let o = 0;
          for (const t of ins) {
            slots.set(t.slots, o);
            indep.set(t.indep, o);
            o += t.slots.length;
          }
          out = { node: node.name, shape: node.outputShape, axis: x.axis, slots, indep };
        } else {
          out = { ...same(node, x), indep: x.indep.slice() };
          for (const t of ins.slice(1)) {
            for (let i = 0; i < t.slots.length; i++) {
              uf.union(x.slots[i]!, t.slots[i]!);
              if (!t.indep[i]) out.indep[i] = 0;
            }
          }
        }
        break;
      }
      case 'zeroPad': {
        if (x.shape.length !== 3) {
          out = opaque(node, ins, 'expects a rank-4 input');
          break;
        }
        if (x.axis === 0 || x.axis === 1) {
          const [before, after] = a.padding[x.axis];
          const slots = new Int32Array(before + x.slots.length + after);
          slots.set(fresh(before), 0);
          slots.set(x.slots, before);
          slots.set(fresh(after), before + x.slots.length);
          const indep = new Uint8Array(slots.length).fill(1);
          indep.set(x.indep, before);
          channelPads.set(node.name, { node: node.name, axis: x.axis, before, after });
          out = { node: node.name, shape: node.outputShape, axis: x.axis, slots, indep };
        } else {
          out = same(node, x);
        }
        break;
      }
      case 'cropping': {
        const crop = x.axis === 0 || x.axis === 1 ? a.cropping[x.axis] : [0, 0];
        out = x.shape.length === 3 && crop[0] === 0 && crop[1] === 0 ? same(node, x) : opaque(node, ins, 'crops the channel axis');
        break;
      }
      case 'permute':
        out = { node: node.name, shape: node.outputShape, axis: a.dims.indexOf(x.axis + 1), slots: x.slots, indep: x.indep };
        break;
      case 'reshape':
        out = opaque(node, ins, 'reshape');
        break;
    }
    tensors.set(node.name, out);
  }
  pinAll(tensors.get(graph.output)!, `${graph.output}: model output`);

  const pinned = new Map<number, string>();
  for (const p of pins) {
    const r = uf.find(p.id);
    if (!pinned.has(r)) pinned.set(r, p.why);
  }
  return {
    graph,
    tensors,
    mixers,
    channelPads,
    idCount: uf.count,
    root: (id) => uf.find(id),
    isPinned: (r) => pinned.has(r),
    pinReason: (r) => pinned.get(r),
    groupsOf: (name) => {
      const t = tensors.get(name);
      if (!t) throw new Error(`no node "${name}" in graph ${graph.name}`);
      return Array.from(t.slots, (id) => uf.find(id));
    },
  };
}

/** Whether output `o` of a mixer reads input slot `s` through any non-zero weight. */
export function reads(m: Mixer, s: number, o: number): boolean {
  const step = m.nIn * m.nOut;
  for (let t = 0, i = s * m.nOut + o; t < m.taps; t++, i += step) if (m.kernel[i] !== 0) return true;
  return false;
}

function readsOnlyIndependent(m: Mixer, o: number, indep: Uint8Array): boolean {
  for (let s = 0; s < m.nIn; s++) if (!indep[s] && reads(m, s, o)) return false;
  return true;
}

/** 'same' convolutions pad their input with zeros unless the kernel covers exactly one position. */
function hasImplicitPadding(node: GraphNode, inShape: number[]): boolean {
  const a = node.attrs;
  if (a.op !== 'conv2d' || a.padding !== 'same') return false;
  for (let d = 0; d < 2; d++) {
    const span = (a.kernelSize[d]! - 1) * a.dilation[d]! + 1;
    const total = (node.outputShape[d]! - 1) * a.strides[d]! + span - inShape[d]!;
    if (total > 0) return true;
  }
  return false;
}
