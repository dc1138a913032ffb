/**
 * The defect suite's up-front time estimate (pure): image counts of each
 * target task at the suite's limit, times throughputs measured on this
 * 2-core machine with the native backend (tfjs-node) while it was otherwise
 * idle; other backends are scaled. Rough by design: it sizes the run, it
 * is not a measurement.
 */
import type { DefectPlan } from './defect-plan.js';

/** Images per second of one model on the native backend. */
export interface Rates {
  /** Fine-tuning every parameter (standard; seam step 3). */
  finetune: number;
  /** Seam step 1: output layer only, backbone frozen. */
  head: number;
  /** Seam step 2: mask-score steps. */
  search: number;
  /** One PGD step (input gradient through the feature extractor), per image. */
  pgd: number;
  /** Plain inference. */
  infer: number;
  /** Training from scratch (the backdoored teacher). */
  train: number;
}

export const NATIVE_RATES: Record<'resnet20' | 'cnn', Rates> = {
  resnet20: { finetune: 140, head: 900, search: 220, pgd: 340, infer: 700, train: 140 },
  cnn: { finetune: 620, head: 3000, search: 800, pgd: 1500, infer: 3000, train: 650 },
};

/** How much slower than the native backend (backend suite, ResNet-20 training steps). */
export const BACKEND_SLOWDOWN: Record<string, number> = { tensorflow: 1, wasm: 4.5, cpu: 1500 };

/**
 * Search steps (batch 64) the seam search needed to remove 60% of ResNet-20's
 * backbone (task 0,1 at --limit 5000: 19 epochs of 15 steps); it stops there.
 */
export const SEARCH_STEPS_TO_THRESHOLD = 300;

/** Search epochs expected for a task of `train` images: the steps above, at most the budget. */
export function expectedSearchEpochs(train: number, budget: number, batchSize = 64): number {
  return Math.min(budget, Math.ceil(SEARCH_STEPS_TO_THRESHOLD / Math.max(1, Math.ceil(train / batchSize))));
}

/** Seconds per process start, data load and evaluation bookkeeping. */
const OVERHEAD = { start: 15, evaluation: 3 };

export interface TaskCounts {
  train: number;
  val: number;
  test: number;
}

/**
 * Images of a task (CIFAR-10: 5000 training and 1000 test images per class),
 * mirroring the class-balanced --limit and makeTargetProblem's 10% validation
 * split; a binary task takes its class plus as many negatives.
 */
export function taskCounts(classes: number[], limit: number | null, perClass = { train: 5000, test: 1000 }, numClasses = 10): TaskCounts {
  const cap = (n: number) => (limit === null ? n : Math.min(n, Math.floor(limit / numClasses)));
  const k = classes.length === 1 ? 2 : classes.length;
  const all = k * cap(perClass.train);
  const val = Math.round(all * 0.1);
  return { train: all - val, val, test: k * cap(perClass.test) };
}

export interface Estimate {
  seconds: number;
  parts: { teacher: number; pgd: number; backdoor: number; overhead: number };
}

export function estimateSeconds(plan: DefectPlan, backend: string, teacherCached: boolean): Estimate {
  const slow = BACKEND_SLOWDOWN[backend] ?? BACKEND_SLOWDOWN['wasm']!;
  const reuse = (r: Rates, n: TaskCounts, search = expectedSearchEpochs(n.train, plan.searchEpochs)) =>
    // standard: fine-tune + score; seam: head + search (+ validation per epoch) + fine-tune + score.
    (plan.epochs * n.train) / r.finetune +
    n.test / r.infer +
    (plan.epochs * n.train) / r.head +
    (search * n.train) / r.search +
    ((search + 1) * n.val) / r.infer +
    (plan.epochs * n.train) / r.finetune +
    n.test / r.infer +
    2 * OVERHEAD.evaluation;
  let pgd = 0;
  let backdoor = 0;
  for (const classes of plan.targets) {
    const n = taskCounts(classes, plan.limit);
    if (plan.attacks.includes('pgd')) {
      const r = NATIVE_RATES.resnet20;
      // One PGD per task (cached across methods); objective on clean and adversarial, student on adversarial, per method.
      pgd += reuse(r, n) + (plan.pgdSteps * n.test) / r.pgd + (2 * 3 * n.test) / r.infer;
    }
    if (plan.attacks.includes('backdoor')) {
      const r = NATIVE_RATES.cnn;
      // Student and teacher on the triggered images, per method.
      backdoor += reuse(r, n) + (2 * 2 * n.test) / r.infer;
    }
  }
  let teacher = 0;
  if (plan.attacks.includes('backdoor') && !teacherCached) {
    const t = taskCounts([...Array(10).keys()], plan.teacher.limit);
    const r = NATIVE_RATES.cnn;
    teacher = (plan.teacher.epochs * (t.train + t.val)) / r.train + (2 * t.test) / r.infer;
  }
  const parts = { teacher: teacher * slow, pgd: pgd * slow, backdoor: backdoor * slow, overhead: OVERHEAD.start };
  return { seconds: parts.teacher + parts.pgd + parts.backdoor + parts.overhead, parts };
}
