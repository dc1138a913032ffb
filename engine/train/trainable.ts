/**
 * A graph whose weights train: conv/dense kernels and biases and BatchNorm
 * gamma/beta as variables, BatchNorm in TRAINING mode (batch statistics,
 * moving averages updated after each step, PyTorch's momentum 0.1 by
 * default). The op implementations are engine/graph's `forward`: BatchNorm's
 * per-channel scale and shift are filled in from the batch statistics of the
 * BN's input as `capture` sees that input go by, so the gradient flows through
 * the statistics exactly as in a training-mode BatchNorm.
 * BatchNorm layers whose Keras config says `trainable: false` (e.g. an input
 * normalisation layer) always run in inference mode and never update.
 * Optional fixed 0/1 masks keep pruned weights at zero in every forward;
 * with `gateDeadChannels` the BatchNorm channel after a filter that is
 * masked out entirely is held at zero too (its gamma and beta masked).
 */
import * as tf from '@tensorflow/tfjs';
import { forward } from '../graph/forward.js';
import { paramKey, type Params } from '../graph/params.js';
import type { Graph, GraphNode, WeightRole, WeightTensor } from '../graph/types.js';
import { batchNormGates } from '../masks/dead-channels.js';
import type { MaskSet } from '../masks/masks.js';
import { variableFrom } from '../search/variables.js';

export interface TrainableOptions {
  /** Whether a weight trains (default: all, except BN layers configured `trainable: false`). */
  trainable?: (node: GraphNode, role: 'kernel' | 'bias' | 'gamma' | 'beta') => boolean;
  /** Moving-average factor of the new batch statistic (PyTorch's momentum; Keras' 1 - momentum). Default 0.1. */
  bnMomentum?: number;
  /** Fixed masks multiplied into kernels / biases (weight or filter granularity). */
  masks?: MaskSet;
  /** Also mask the gamma and beta of each BatchNorm channel that follows a fully masked-out filter (dead-channels.ts). */
  gateDeadChannels?: boolean;
  /** Run every BatchNorm in inference mode, even when training (a frozen backbone). */
  freezeBatchNorm?: boolean;
}

export interface TrainableState {
  /** Raw variable values by "<node>/<role>" (kernel, bias, gamma, beta, movingMean, movingVariance). */
  weights: Record<string, Float32Array>;
}

type Role = 'kernel' | 'bias' | 'gamma' | 'beta';

let uid = 0;

export class TrainableModel {
  private readonly vars = new Map<string, tf.Variable>();
  private readonly moving = new Map<string, { mean: tf.Variable; variance: tf.Variable }>();
  private readonly maskTensors = new Map<string, tf.Tensor>();
  private readonly trainableKeys = new Set<string>();
  readonly bnMomentum: number;
  /** BN layers that use batch statistics when training. */
  private readonly bnTraining = new Set<string>();
  /** BN nodes fed by each node (for the capture hook). */
  private readonly bnByInput = new Map<string, GraphNode[]>();

  constructor(
    readonly graph: Graph,
    opts: TrainableOptions = {},
    state?: TrainableState,
  ) {
    this.bnMomentum = opts.bnMomentum ?? 0.1;
    const id = uid++;
    const init = (node: GraphNode, role: WeightRole): WeightTensor => {
      const w = node.weights[role]!;
      const saved = state?.weights[`${node.name}/${role}`];
      if (saved && saved.length !== w.data.length) throw new Error(`state for ${node.name}/${role} has ${saved.length} values, expected ${w.data.length}`);
      return { shape: w.shape, data: saved ?? w.data };
    };
    const trainable = opts.trainable ?? (() => true);
    for (const node of graph.nodes) {
      const a = node.attrs;
      const roles: Role[] = [];
      if (a.op === 'conv2d' || a.op === 'depthwiseConv2d' || a.op === 'dense') {
        roles.push('kernel');
        if (a.useBias && node.weights.bias) roles.push('bias');
      } else if (a.op === 'batchNorm') {
        const frozen = node.config.trainable === false || opts.freezeBatchNorm === true;
        if (!frozen) this.bnTraining.add(node.name);
        for (const r of ['gamma', 'beta'] as const) if (node.weights[r]) roles.push(r);
        const mean = init(node, 'movingMean');
        const variance = init(node, 'movingVariance');
        this.moving.set(node.name, {
          mean: variableFrom(mean.data.slice(), mean.shape, false, `train_${id}/${node.name}/mm`),
          variance: variableFrom(variance.data.slice(), variance.shape, false, `train_${id}/${node.name}/mv`),
        });
        const src = node.inputs[0]!;
        this.bnByInput.set(src, [...(this.bnByInput.get(src) ?? []), node]);
        for (const r of roles) if (!frozen && trainable(node, r)) this.trainableKeys.add(`${node.name}/${r}`);
      }
      for (const r of roles) {
        const w = init(node, r);
        const key = `${node.name}/${r}`;
        const isTrainable = a.op === 'batchNorm' ? this.trainableKeys.has(key) : trainable(node, r);
        if (isTrainable) this.trainableKeys.add(key);
        this.vars.set(key, variableFrom(w.data.slice(), w.shape, isTrainable, `train_${id}/${key}`));
      }
    }
    if (opts.masks) {
      const { specs, masks } = opts.masks;
      specs.forEach((s, i) => {
        const m = Float32Array.from(masks[i]!);
        if (s.role === 'filter') {
          this.maskTensors.set(`${s.node}/kernel`, tf.tensor(m, s.shape));
          if (s.hasBias) this.maskTensors.set(`${s.node}/bias`, tf.tensor(m, [m.length]));
        } else this.maskTensors.set(`${s.node}/${s.role}`, tf.tensor(m, s.shape));
      });
      if (opts.gateDeadChannels) {
        for (const [bn, gate] of batchNormGates(graph, opts.masks)) {
          for (const role of ['gamma', 'beta'] as const) this.maskTensors.set(`${bn}/${role}`, tf.tensor(gate, [gate.length]));
        }
      }
    }
  }

  /** The trainable variables, in graph order. */
  trainableVariables(): tf.Variable[] {
    return [...this.vars.entries()].filter(([k]) => this.trainableKeys.has(k)).map(([, v]) => v);
  }

  /** Node name of each trainable variable, aligned with trainableVariables(). */
  trainableNodes(): string[] {
    return [...this.vars.keys()].filter((k) => this.trainableKeys.has(k)).map((k) => k.slice(0, k.lastIndexOf('/')));
  }

  /** A variable times its fixed mask, if it has one. */
  private masked(key: string): tf.Tensor | undefined {
    const v = this.vars.get(key);
    const m = this.maskTensors.get(key);
    return v && m ? tf.mul(v, m) : v;
  }

  /**
   * Logits for `x`. With `training`, trainable BN layers normalise with batch
   * statistics and `onStats` receives them (for the moving-average update).
   * Call inside tf.tidy or a gradient function.
   */
  forward(x: tf.Tensor, training: boolean, opts: { until?: string; onStats?: (node: string, mean: tf.Tensor, variance: tf.Tensor, n: number) => void } = {}): tf.Tensor {
    const p: Params = new Map();
    for (const key of this.vars.keys()) {
      const [node, role] = [key.slice(0, key.lastIndexOf('/')), key.slice(key.lastIndexOf('/') + 1)];
      if (role === 'kernel' || role === 'bias') p.set(paramKey(node, role), this.masked(key)!);
    }
    const scaleShift = (node: GraphNode, mean: tf.Tensor, variance: tf.Tensor) => {
      const a = node.attrs as { epsilon: number };
      const gamma = this.masked(`${node.name}/gamma`);
      const beta = this.masked(`${node.name}/beta`);
      const inv = tf.rsqrt(tf.add(variance, a.epsilon));
      const scale = gamma ? tf.mul(gamma, inv) : inv;
      const shift = tf.sub(beta ?? tf.zerosLike(mean), tf.mul(mean, scale));
      p.set(paramKey(node.name, 'bnScale'), scale);
      p.set(paramKey(node.name, 'bnShift'), shift);
    };
    for (const node of this.graph.nodes) {
      if (node.attrs.op !== 'batchNorm') continue;
      if (training && this.bnTraining.has(node.name)) continue;
      const m = this.moving.get(node.name)!;
      scaleShift(node, m.mean, m.variance);
    }
    return forward(this.graph, p, x, {
      logits: !opts.until,
      until: opts.until,
      capture: training
        ? (node, value) => {
            for (const bn of this.bnByInput.get(node.name) ?? []) {
              if (!this.bnTraining.has(bn.name)) continue;
              const axes = Array.from({ length: value.rank - 1 }, (_, i) => i);
              const { mean, variance } = tf.moments(value, axes);
              scaleShift(bn, mean, variance);
              opts.onStats?.(bn.name, mean, variance, value.size / value.shape[value.rank - 1]!);
            }
          }
        : undefined,
    });
  }

  /**
   * One training step on a batch: softmax cross-entropy on the logits (mixed
   * with the cross-entropy against soft targets at a temperature, if given),
   * gradients of the trainable variables, an optimiser update, then the BN
   * moving averages. Returns the batch's loss and number correct.
   */
  trainStep(
    x: tf.Tensor4D,
    labels: Int32Array,
    numOutputs: number,
    update: (grads: tf.Tensor[]) => void,
    soft?: { targets: tf.Tensor2D; weight: number; temperature: number },
  ): { loss: number; correct: number } {
    const vars = this.trainableVariables();
    const stats: { node: string; mean: tf.Tensor; variance: tf.Tensor; n: number }[] = [];
    let correct!: tf.Tensor;
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), numOutputs).toFloat());
    const { value, grads } = tf.variableGrads(() => {
      const logits = this.forward(x, true, {
        onStats: (node, mean, variance, n) => stats.push({ node, mean: tf.keep(mean), variance: tf.keep(variance), n }),
      });
      correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), tf.argMax(y, 1)), 'float32')));
      const ce = tf.neg(tf.mean(tf.sum(tf.mul(y, tf.logSoftmax(logits)), -1)));
      if (!soft) return ce as tf.Scalar;
      // Hinton et al.'s scaling by T^2 keeps the soft term's gradients the size of the hard one's.
      const t = soft.temperature;
      const kd = tf.mul(tf.neg(tf.mean(tf.sum(tf.mul(soft.targets, tf.logSoftmax(tf.div(logits, t))), -1))), t * t);
      return tf.add(tf.mul(ce, 1 - soft.weight), tf.mul(kd, soft.weight)) as tf.Scalar;
    }, vars);
    update(vars.map((v) => grads[v.name]!));
    const mom = this.bnMomentum;
    tf.tidy(() => {
      for (const s of stats) {
        const m = this.moving.get(s.node)!;
        const unbiased = s.n > 1 ? tf.mul(s.variance, s.n / (s.n - 1)) : s.variance;
        m.mean.assign(tf.add(tf.mul(m.mean, 1 - mom), tf.mul(s.mean, mom)));
        m.variance.assign(tf.add(tf.mul(m.variance, 1 - mom), tf.mul(unbiased, mom)));
      }
    });
    const [loss, c] = Array.from(tf.tidy(() => tf.stack([value, correct]).dataSync()));
    tf.dispose([y, value, correct, ...Object.values(grads), ...stats.flatMap((s) => [s.mean, s.variance])]);
    return { loss: loss!, correct: c! };
  }

  getState(): TrainableState {
    const weights: Record<string, Float32Array> = {};
    for (const [k, v] of this.vars) weights[k] = Float32Array.from(v.dataSync() as Float32Array);
    for (const [n, m] of this.moving) {
      weights[`${n}/movingMean`] = Float32Array.from(m.mean.dataSync() as Float32Array);
      weights[`${n}/movingVariance`] = Float32Array.from(m.variance.dataSync() as Float32Array);
    }
    return { weights };
  }

  /** The graph with the current weights (masked weights as zeros), for evaluation and export. */
  toGraph(): Graph {
    const state = this.getState().weights;
    const nodes = this.graph.nodes.map((node) => {
      const weights: GraphNode['weights'] = {};
      for (const role of Object.keys(node.weights) as WeightRole[]) {
        const key = `${node.name}/${role}`;
        let data = state[key] ?? node.weights[role]!.data;
        const m = this.maskTensors.get(key);
        if (m) {
          const mask = m.dataSync() as Float32Array;
          data = Float32Array.from(data, (v, i) => v * mask[mask.length === data.length ? i : i % mask.length]!);
        }
        weights[role] = { shape: node.weights[role]!.shape.slice(), data };
      }
      return { ...node, weights };
    });
    return { ...this.graph, nodes, byName: new Map(nodes.map((n) => [n.name, n])) };
  }

  dispose(): void {
    tf.dispose([...this.vars.values(), ...[...this.moving.values()].flatMap((m) => [m.mean, m.variance]), ...this.maskTensors.values()]);
  }
}
