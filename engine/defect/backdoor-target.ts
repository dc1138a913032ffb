/**
 * What a backdoor attack needs from the teacher's meta.json and the target
 * problem: the trigger, its class, and that class in the student's output
 * space. Pure, so the evaluation and the run's up-front check (the
 * checkDefectRequest activity) refuse a request with the same message.
 */
import type { TargetProblem } from '../data/types.js';
import { parseTrigger, PoisonSpecError, type Trigger } from '../train/poison.js';
import type { TrainedModelMeta } from '../train/source-model.js';
import { DefectInputError } from './errors.js';

export interface BackdoorTarget {
  trigger: Trigger;
  /** The trigger's class, in the dataset's (and teacher's) class ids. */
  triggerClass: number;
  /** The student's output index of that class. */
  mappedTarget: number;
}

/** `teacher` names the model in the message (a folder or an artifact key). */
export function backdoorTargetOf(meta: TrainedModelMeta | null, target: Pick<TargetProblem, 'mode' | 'classes'>, teacher: string): BackdoorTarget {
  const p = meta?.poison;
  if (!p || typeof p.trigger !== 'string' || typeof p.target !== 'number') {
    throw new DefectInputError(`backdoor attack: the teacher ${teacher} has no backdoor trigger in its meta.json (train one with seamflow train --poison ...)`);
  }
  let trigger: Trigger;
  try {
    trigger = parseTrigger(p.trigger);
  } catch (err) {
    // A malformed meta.json never gets better on retry.
    if (err instanceof PoisonSpecError) throw new DefectInputError(`backdoor attack: the teacher ${teacher}'s meta.json: ${err.message}`);
    throw err;
  }
  const mappedTarget = mapClass(target, p.target);
  if (mappedTarget < 0) {
    throw new DefectInputError(
      `backdoor attack: the trigger's class ${p.target} is not among the target classes [${target.classes.join(', ')}]; include it so the student can be fooled into it`,
    );
  }
  return { trigger, triggerClass: p.target, mappedTarget };
}

/** The student's output index of a dataset class (binary: target -> 0, others -> 1), or -1. */
export function mapClass(target: Pick<TargetProblem, 'mode' | 'classes'>, c: number): number {
  if (target.mode === 'binary') return c === target.classes[0] ? 0 : 1;
  return target.classes.indexOf(c);
}
