/**
 * Adam written on raw ops with plain-data state, PyTorch's update rule (the
 * authors' optimiser): m, v, bias corrections, p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps).
 * Our own rather than tf.train.adam so checkpoints hold the exact moments and
 * step count (TF.js rebuilds its beta powers with pow() on restore, which is
 * not bitwise the product it accumulated), and so epsilon is explicit (1e-8).
 */
import * as tf from '@tensorflow/tfjs';
import { variableFrom } from './variables.js';

export interface AdamGroup {
  params: tf.Variable[];
  lr: number;
}

export interface AdamState {
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

export interface AdamConfig {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

export class Adam {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private step = 0;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private readonly lrs: number[];
  private readonly params: tf.Variable[];

  constructor(groups: AdamGroup[], config: AdamConfig = {}, state?: AdamState) {
    this.beta1 = config.beta1 ?? 0.9;
    this.beta2 = config.beta2 ?? 0.999;
    this.epsilon = config.epsilon ?? 1e-8;
    this.params = groups.flatMap((g) => g.params);
    this.lrs = groups.flatMap((g) => g.params.map(() => g.lr));
    if (state && (state.m.length !== this.params.length || state.v.length !== this.params.length)) {
      throw new Error(`Adam state holds ${state.m.length} moments for ${this.params.length} parameters`);
    }
    this.step = state?.step ?? 0;
    this.m = this.params.map((p, i) => variableFrom(state ? state.m[i]! : tf.zerosLike(p), p.shape, false));
    this.v = this.params.map((p, i) => variableFrom(state ? state.v[i]! : tf.zerosLike(p), p.shape, false));
  }

  get parameters(): readonly tf.Variable[] {
    return this.params;
  }

  /** One update from gradients aligned with the parameters (missing gradient = skip that parameter). */
  apply(grads: (tf.Tensor | undefined)[]): void {
    this.step += 1;
    const bc1 = 1 - this.beta1 ** this.step;
    const sqrtBc2 = Math.sqrt(1 - this.beta2 ** this.step);
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g = grads[i];
        if (!g) return;
        const m = tf.add(tf.mul(this.m[i]!, this.beta1), tf.mul(g, 1 - this.beta1));
        const v = tf.add(tf.mul(this.v[i]!, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        this.m[i]!.assign(m);
        this.v[i]!.assign(v);
        const denom = tf.add(tf.div(tf.sqrt(v), sqrtBc2), this.epsilon);
        p.assign(tf.sub(p, tf.mul(tf.div(m, denom), this.lrs[i]! / bc1)));
      });
    });
  }

  getState(): AdamState {
    return {
      step: this.step,
      m: this.m.map((t) => Float32Array.from(t.dataSync() as Float32Array)),
      v: this.v.map((t) => Float32Array.from(t.dataSync() as Float32Array)),
    };
  }

  dispose(): void {
    this.m.forEach((t) => t.dispose());
    this.v.forEach((t) => t.dispose());
  }
}
