/**
 * Which channel groups a compact model can drop, and how to stay exact.
 *
 * Liveness, backwards from the model output (dead-code elimination over
 * channel groups): a group is needed when it is pinned, or when a kept output
 * of a conv/dense layer reads one of its slots through a non-zero weight and
 * that slot's value depends on the input. Everything else goes: groups nobody
 * reads (all their weights masked out, including the consumer side) and groups
 * that only carry input-independent values.
 *
 * An input-independent slot that is read still contributes its value map V
 * (captured from the masked model itself). When V is spatially uniform and the
 * consumer does no zero padding of its own, V * sum(kernel) folds into the
 * consumer's bias. Otherwise (a 'same' convolution, or a map that an explicit
 * ZeroPadding2D already gave a zero border) the contribution depends on the
 * position: it is merged into one kept slot whose map is proportional to V
 * (scaled kernel added onto that slot's), keeping one such channel alive if
 * none is. Both are exact; the equality check after export proves it.
 */
import type { ChannelAnalysis, Mixer, TensorChannels } from './channels.js';
import { reads } from './channels.js';

/** Values of input-independent slots: the node's output for any input, batch 1, channels last. */
export type ValueMapSource = (node: string) => Float32Array;

export interface MixerAdjustment {
  mixer: Mixer;
  /** Kernel with merged contributions added ([taps][nIn][nOut], same layout as the original). */
  kernel: Float32Array;
  /** Bias deltas per output (folded constants); null when none. */
  biasDelta: Float64Array | null;
  folded: number;
  merged: number;
}

export interface RemovalPlan {
  analysis: ChannelAnalysis;
  /** needed[root] = 1 for kept groups. */
  needed: Uint8Array;
  /** Kept positions (ascending) of every tensor's slots. */
  kept: Map<string, number[]>;
  adjustments: Map<string, MixerAdjustment>;
  /** Removable groups kept anyway: carriers of position-dependent constants, or the last channel of a kept layer's input. */
  forcedKept: number;
}

const TOL = 1e-5;

export function planRemoval(analysis: ChannelAnalysis, values: ValueMapSource): RemovalPlan {
  const { tensors, mixers, root, idCount } = analysis;
  const forced = new Set<number>();
  const valueCache = new Map<string, Float32Array>();
  const valuesOf = (node: string) => {
    let v = valueCache.get(node);
    if (!v) valueCache.set(node, (v = values(node)));
    return v;
  };
  const outputsOfGroup = new Map<number, { mixer: Mixer; o: number }[]>();
  for (const m of mixers) {
    const out = tensors.get(m.node.name)!;
    out.slots.forEach((id, o) => {
      const r = root(id);
      let list = outputsOfGroup.get(r);
      if (!list) outputsOfGroup.set(r, (list = []));
      list.push({ mixer: m, o });
    });
  }

  for (let round = 0; ; round++) {
    if (round > idCount + 1) throw new Error('planRemoval did not converge (internal error)');
    const needed = liveness(analysis, forced, outputsOfGroup);
    const isKept = (t: TensorChannels, i: number) => needed[root(t.slots[i]!)] === 1;
    const force = (t: TensorChannels, i: number) => forced.add(root(t.slots[i]!));

    // A kept node cannot take an empty input (conv over zero channels, padding nothing).
    let changed = false;
    for (const node of analysis.graph.nodes) {
      const out = tensors.get(node.name)!;
      if (!anyKept(out, isKept) || node.attrs.op === 'concat') continue;
      for (const input of node.inputs) {
        const t = tensors.get(input)!;
        if (!anyKept(t, isKept)) {
          force(t, 0);
          changed = true;
        }
      }
    }
    if (changed) continue;

    const adjustments = new Map<string, MixerAdjustment>();
        for (const m of mixers) {
      const out = tensors.get(m.node.name)!;
      const input = tensors.get(m.input)!;
      const keptOut: number[] = [];
      for (let o = 0; o < m.nOut; o++) if (isKept(out, o)) keptOut.push(o);
      if (keptOut.length === 0) continue;
      const removedRead: number[] = [];
      for (let s = 0; s < m.nIn; s++) {
        if (isKept(input, s)) continue;
        if (keptOut.some((o) => reads(m, s, o))) {
          if (!input.indep[s]) throw new Error(`planRemoval: ${m.node.name} reads removed input-dependent slot ${s} (internal error)`);
          removedRead.push(s);
        }
      }
      if (removedRead.length === 0) continue;
      const v = valuesOf(m.input);
      const n = m.nIn;
      const positions = v.length / n;
      const mapOf = (s: number) => {
        const a = new Float64Array(positions);
        for (let p = 0; p < positions; p++) a[p] = v[p * n + s]!;
        return a;
      };
      const kernel = m.kernel.slice();
      let biasDelta: Float64Array | null = null;
      let folded = 0;
      let merged = 0;
      const classes: { basis: Float64Array; members: { s: number; lambda: number }[] }[] = [];
      for (const s of removedRead) {
        const map = mapOf(s);
        const scale = maxAbs(map);
        if (scale === 0) continue;
        if (!m.implicitPad && isUniform(map, scale)) {
          biasDelta ??= new Float64Array(m.nOut);
          const c = mean(map);
          for (const o of keptOut) {
            let sum = 0;
            for (let t = 0; t < m.taps; t++) sum += m.kernel[(t * n + s) * m.nOut + o]!;
            biasDelta[o]! += c * sum;
          }
          folded++;
          continue;
        }
        let cls = classes.find((c) => proportion(map, c.basis) !== undefined);
        if (!cls) classes.push((cls = { basis: map, members: [] }));
        cls.members.push({ s, lambda: proportion(map, cls.basis)! });
      }
      for (const cls of classes) {
        let carrier: { r: number; lambda: number } | undefined;
        for (let r = 0; r < n && !carrier; r++) {
          if (!isKept(input, r) || !input.indep[r]) continue;
          const lambda = proportion(mapOf(r), cls.basis);
          if (lambda !== undefined && lambda !== 0) carrier = { r, lambda };
        }
        if (!carrier) {
          force(input, cls.members[0]!.s);
          changed = true;
          continue;
        }
        for (const { s, lambda } of cls.members) {
          const coef = lambda / carrier.lambda;
          for (let t = 0; t < m.taps; t++) {
            const base = t * n * m.nOut;
            for (const o of keptOut) kernel[base + carrier.r * m.nOut + o]! += coef * m.kernel[base + s * m.nOut + o]!;
          }
          merged++;
        }
      }
      adjustments.set(m.node.name, { mixer: m, kernel, biasDelta, folded, merged });
    }
    if (changed) continue;
    const forcedKept = [...forced].filter((r) => !analysis.isPinned(r)).length;

    const kept = new Map<string, number[]>();
    for (const [name, t] of tensors) {
      const k: number[] = [];
      for (let i = 0; i < t.slots.length; i++) if (isKept(t, i)) k.push(i);
      kept.set(name, k);
    }
    return { analysis, needed, kept, adjustments, forcedKept };
  }
}

function liveness(
  analysis: ChannelAnalysis,
  forced: Set<number>,
  outputsOfGroup: Map<number, { mixer: Mixer; o: number }[]>,
): Uint8Array {
  const { root, tensors } = analysis;
  const needed = new Uint8Array(analysis.idCount);
  const queue: number[] = [];
  const mark = (r: number) => {
    if (!needed[r]) {
      needed[r] = 1;
      queue.push(r);
    }
  };
  for (let id = 0; id < analysis.idCount; id++) {
    const r = root(id);
    if (analysis.isPinned(r)) mark(r);
  }
  forced.forEach(mark);
  while (queue.length) {
    const g = queue.pop()!;
    for (const { mixer: m, o } of outputsOfGroup.get(g) ?? []) {
      const input = tensors.get(m.input)!;
      for (let s = 0; s < m.nIn; s++) {
        if (input.indep[s]) continue;
        const r = root(input.slots[s]!);
        if (!needed[r] && reads(m, s, o)) mark(r);
      }
    }
  }
  return needed;
}

function anyKept(t: TensorChannels, isKept: (t: TensorChannels, i: number) => boolean): boolean {
  for (let i = 0; i < t.slots.length; i++) if (isKept(t, i)) return true;
  return false;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

function mean(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v;
  return s / a.length;
}

function isUniform(a: Float64Array, scale: number): boolean {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of a) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return hi - lo <= TOL * scale;
}

/** lambda with a ~= lambda * basis (to TOL of a's scale), or undefined. */
function proportion(a: Float64Array, basis: Float64Array): number | undefined {
  let ab = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * basis[i]!;
    bb += basis[i]! * basis[i]!;
  }
  if (bb === 0) return undefined;
  const lambda = ab / bb;
  const scale = Math.max(maxAbs(a), 1e-30);
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i]! - lambda * basis[i]!) > TOL * scale) return undefined;
  return lambda;
}
