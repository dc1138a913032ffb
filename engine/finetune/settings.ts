/**
 * [ours] What a fine-tuning is asked to do, and the checks of a request. Pure
 * (no TF.js): the CLI, the dashboard's request validation and the workflow's
 * up-front check use it without loading a backend.
 */

export interface FinetuneSettings {
  epochs: number;
  /** Initial SGD learning rate (cosine to zero over the epochs). */
  lr: number;
  batchSize: number;
  momentum: number;
  weightDecay: number;
  augment: boolean;
  seed: number;
  /** Knowledge distillation from the original model; absent = plain cross-entropy. */
  distill?: DistillSettings;
  /**
   * Binary targets: every epoch trains on the problem's positives and as many
   * negatives drawn afresh from all the training split's other-class images
   * (engine/data/fresh-negatives.ts); absent = the problem's fixed sample.
   */
  freshNegatives?: true;
}

/**
 * [ours] The loss becomes (1 - weight) * CE(labels) + weight * T^2 * CE(teacher
 * at T, student at T): the original's probabilities on the target problem
 * (its target-class logits, binary: the target class against the sum of the
 * rest) carry what it knows about each image beyond the hard label.
 */
export interface DistillSettings {
  /** Share of the loss from the original's soft targets, in (0, 1]. */
  weight: number;
  /** Softmax temperature of both teacher and student in that term. */
  temperature: number;
}

export const DISTILL_DEFAULT_TEMPERATURE = 4;

export const FINETUNE_DEFAULTS: Omit<FinetuneSettings, 'epochs' | 'augment' | 'seed' | 'batchSize'> = {
  lr: 0.01,
  momentum: 0.9,
  weightDecay: 5e-4,
};

/** What a user asks for (CLI flags, a workflow spec); the rest follows the search's settings. */
export interface FinetuneRequest {
  epochs: number;
  lr?: number;
  /** Distillation weight in (0, 1]; absent or 0 = off. */
  distill?: number;
  /** Distillation temperature (> 0), only with `distill`. */
  temperature?: number;
  /** Fresh negatives every epoch (binary targets only). */
  freshNegatives?: boolean;
}

export function finetuneSettingsFor(req: FinetuneRequest, search: { batchSize: number; augment?: boolean; seed: number }): FinetuneSettings {
  if (req.temperature !== undefined && !req.distill) throw new RangeError('a distillation temperature needs a distillation weight > 0');
  return {
    epochs: req.epochs,
    lr: req.lr ?? FINETUNE_DEFAULTS.lr,
    batchSize: search.batchSize,
    momentum: FINETUNE_DEFAULTS.momentum,
    weightDecay: FINETUNE_DEFAULTS.weightDecay,
    augment: search.augment ?? false,
    seed: search.seed,
    // Only present when asked, so the content keys of plain fine-tunings stay as they were.
    ...(req.distill ? { distill: { weight: req.distill, temperature: req.temperature ?? DISTILL_DEFAULT_TEMPERATURE } } : {}),
    ...(req.freshNegatives ? { freshNegatives: true as const } : {}),
  };
}

/** Fresh negatives exist only where the problem samples its negatives: one class against the rest. */
export function checkFreshNegatives(s: { freshNegatives?: boolean }, mode: string): void {
  if (s.freshNegatives && mode !== 'binary') {
    throw new RangeError(`fresh negatives need a binary target (one class against the rest); a ${mode} problem already trains on every image of its classes`);
  }
}

export function validateFinetune(s: FinetuneSettings): void {
  const bad: string[] = [];
  if (!Number.isInteger(s.epochs) || s.epochs < 1) bad.push(`fine-tune epochs must be an integer >= 1, got ${s.epochs}`);
  if (!(s.lr > 0) || !Number.isFinite(s.lr)) bad.push(`fine-tune lr must be > 0, got ${s.lr}`);
  if (s.distill) {
    const { weight, temperature } = s.distill;
    if (!(weight > 0 && weight <= 1)) bad.push(`distillation weight must be in (0, 1], got ${weight}`);
    if (!(temperature > 0) || !Number.isFinite(temperature)) bad.push(`distillation temperature must be > 0, got ${temperature}`);
  }
  if (bad.length) throw new RangeError(bad.join('; '));
}

/**
 * The sliced binary head exports as softmax -> Dense([e_t, 1 - e_t]): its
 * outputs are probabilities, not logits, so cross-entropy on them trains badly.
 */
export function checkFinetunableHead(head: { kind: string; mode: string }): void {
  if (head.kind === 'sliced' && head.mode === 'binary') {
    throw new RangeError('fine-tuning needs a head that outputs logits: use the appended head for a binary target (the sliced binary head outputs probabilities)');
  }
}
