/**
 * SGD with momentum and weight decay, PyTorch's rule (the protocol's optimiser):
 * g' = g + wd * p; buf = momentum * buf + g'; p -= lr * lrScale * buf.
 * State is plain data (step count + one buffer per parameter) so a training
 * checkpoint restores it bit for bit.
 */
import * as tf from '@tensorflow/tfjs';
import { variableFrom } from '../search/variables.js';

export interface SgdConfig {
  momentum: number;
  weightDecay: number;
}

export interface SgdState {
  step: number;
  buffers: Float32Array[];
}

export class Sgd {
  private step = 0;
  private readonly buffers: tf.Variable[];

  /** `lrScales[i]` multiplies the learning rate of `params[i]` (e.g. 10x for a new head). */
  constructor(
    readonly params: tf.Variable[],
    readonly lrScales: number[],
    readonly config: SgdConfig,
    state?: SgdState,
  ) {
    if (lrScales.length !== params.length) throw new Error('Sgd: one lr scale per parameter');
    if (state && state.buffers.length !== params.length) {
      throw new Error(`Sgd state holds ${state.buffers.length} buffers for ${params.length} parameters`);
    }
    this.step = state?.step ?? 0;
    this.buffers = params.map((p, i) => variableFrom(state ? state.buffers[i]!.slice() : tf.zerosLike(p), p.shape, false));
  }

  /** One update with learning rate `lr`; `grads` aligned with the parameters (undefined = skip). */
  apply(grads: (tf.Tensor | undefined)[], lr: number): void {
    this.step += 1;
    const { momentum, weightDecay } = this.config;
    tf.tidy(() => {
      this.params.forEach((p, i) => {
        const g0 = grads[i];
        if (!g0) return;
        const g = weightDecay > 0 ? tf.add(g0, tf.mul(p, weightDecay)) : g0;
        const buf = momentum > 0 ? tf.add(tf.mul(this.buffers[i]!, momentum), g) : g;
        if (momentum > 0) this.buffers[i]!.assign(buf);
        p.assign(tf.sub(p, tf.mul(buf, lr * this.lrScales[i]!)));
      });
    });
  }

  getState(): SgdState {
    return { step: this.step, buffers: this.buffers.map((b) => Float32Array.from(b.dataSync() as Float32Array)) };
  }

  dispose(): void {
    tf.dispose(this.buffers);
  }
}
