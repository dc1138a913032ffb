/**
 * [ours] The original model as a teacher for fine-tuning: its probabilities
 * on the target problem's labels at a temperature, for the distillation term
 * of the loss (settings.ts, DistillSettings).
 * - binary (label 0 = the target class, label 1 = the rest): [p_t, 1 - p_t]
 *   from the original's softmax over all its classes at T;
 * - multiclass (label i = classes[i]): the softmax at T of the original's
 *   logits of those classes only.
 */
import * as tf from '@tensorflow/tfjs';
import type { TargetProblem } from '../data/types.js';
import { forward } from '../graph/forward.js';
import { disposeParams, prepareParams } from '../graph/params.js';
import type { Graph } from '../graph/types.js';

export interface Teacher {
  /** Soft targets [batch, numOutputs] for a batch of (augmented) images; the caller disposes them. */
  targets(x: tf.Tensor4D): tf.Tensor2D;
  dispose(): void;
}

export function teacherFor(graph: Graph, problem: Pick<TargetProblem, 'mode' | 'classes'>, temperature: number): Teacher {
  const params = prepareParams(graph);
  const classes = tf.tensor1d(problem.classes, 'int32');
  return {
    targets: (x) =>
      tf.tidy(() => {
        const logits = forward(graph, params, x, { logits: true }) as tf.Tensor2D;
        if (problem.mode === 'binary') {
          const p = tf.softmax(tf.div(logits, temperature));
          const pt = tf.gather(p, classes, 1);
          return tf.concat([pt, tf.sub(1, pt)], 1) as tf.Tensor2D;
        }
        return tf.softmax(tf.div(tf.gather(logits, classes, 1), temperature)) as tf.Tensor2D;
      }),
    dispose: () => {
      disposeParams(params);
      classes.dispose();
    },
  };
}
