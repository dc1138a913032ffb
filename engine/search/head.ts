/**
 * The output mapping from the original model's C logits to the target
 * problem's k outputs.
 * - `appended` (as published): ReLU -> Dense(C, k), new parameters trained with lrHead.
 * - `sliced` [ours]: no new parameters. Multi-class: the target classes' logits.
 *   Binary: [z_t, logsumexp(z_rest)], whose softmax is exactly the original's
 *   p(t) vs 1 - p(t).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../random.js';
import { variableFrom } from './variables.js';
import type { TargetMode } from '../data/types.js';

export type HeadKind = 'appended' | 'sliced';

export interface HeadData {
  kind: HeadKind;
  mode: TargetMode;
  /** Target classes in the original model's class ids. */
  classes: number[];
  numLogits: number;
  numOutputs: number;
  /** appended only: [numLogits, numOutputs] row-major, and [numOutputs]. */
  kernel?: Float32Array;
  bias?: Float32Array;
}

export function initHead(kind: HeadKind, mode: TargetMode, classes: number[], numLogits: number, rng: Rng): HeadData {
  const numOutputs = mode === 'binary' ? 2 : classes.length;
  const head: HeadData = { kind, mode, classes: classes.slice(), numLogits, numOutputs };
  if (kind === 'appended') {
    // PyTorch nn.Linear's default init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias.
    const bound = 1 / Math.sqrt(numLogits);
    const u = () => (rng.next() * 2 - 1) * bound;
    head.kernel = Float32Array.from({ length: numLogits * numOutputs }, u);
    head.bias = Float32Array.from({ length: numOutputs }, u);
  }
  return head;
}

export function headParamCount(head: HeadData): number {
  return (head.kernel?.length ?? 0) + (head.bias?.length ?? 0);
}

export function cloneHead(head: HeadData): HeadData {
  return { ...head, classes: head.classes.slice(), kernel: head.kernel?.slice(), bias: head.bias?.slice() };
}

let uid = 0;

/** The head as tensors: trainable variables for `appended`, constants for `sliced`. */
export class HeadModule {
  readonly vars: tf.Variable[] = [];
  private readonly kernel?: tf.Variable;
  private readonly bias?: tf.Variable;
  /** One-hot selection matrices [C, n]: a matMul instead of tf.gather, whose gradient needs UnsortedSegmentSum (missing on wasm). */
  private readonly pick?: tf.Tensor2D;
  private readonly rest?: tf.Tensor2D;

  constructor(readonly data: HeadData) {
    const id = uid++;
    if (data.kind === 'appended') {
      this.kernel = variableFrom(data.kernel!, [data.numLogits, data.numOutputs], true, `seam_head_${id}/kernel`);
      this.bias = variableFrom(data.bias!, [data.numOutputs], true, `seam_head_${id}/bias`);
      this.vars.push(this.kernel, this.bias);
    } else {
      const all = Array.from({ length: data.numLogits }, (_, i) => i);
      this.pick = selection(data.numLogits, data.mode === 'binary' ? [data.classes[0]!] : data.classes);
      if (data.mode === 'binary') this.rest = selection(data.numLogits, all.filter((i) => i !== data.classes[0]));
    }
  }

  apply(logits: tf.Tensor): tf.Tensor2D {
    const z = logits as tf.Tensor2D;
    if (this.kernel) return tf.add(tf.matMul(tf.relu(z), this.kernel as tf.Tensor2D), this.bias!) as tf.Tensor2D;
    const picked = tf.matMul(z, this.pick!) as tf.Tensor2D;
    if (!this.rest) return picked;
    return tf.concat([picked, tf.logSumExp(tf.matMul(z, this.rest), 1, true) as tf.Tensor2D], 1) as tf.Tensor2D;
  }

  toData(): HeadData {
    if (!this.kernel) return cloneHead(this.data);
    return {
      ...this.data,
      classes: this.data.classes.slice(),
      kernel: Float32Array.from(this.kernel.dataSync() as Float32Array),
      bias: Float32Array.from(this.bias!.dataSync() as Float32Array),
    };
  }

  dispose(): void {
    tf.dispose([...this.vars, ...(this.pick ? [this.pick] : []), ...(this.rest ? [this.rest] : [])]);
  }
}

function selection(numLogits: number, columns: number[]): tf.Tensor2D {
  const m = new Float32Array(numLogits * columns.length);
  columns.forEach((c, j) => (m[c * columns.length + j] = 1));
  return tf.tensor2d(m, [numLogits, columns.length]);
}
