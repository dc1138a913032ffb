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
}

export const FINETUNE_DEFAULTS: Omit<FinetuneSettings, 'epochs' | 'augment' | 'seed' | 'batchSize'> = {
  lr: 0.01,
  momentum: 0.9,
  weightDecay: 5e-4,
};

/** What a user asks for (CLI flags, a workflow spec); the rest follows the search's settings. */
export interface FinetuneRequest {
  epochs: number;
  lr?: number;
}

export function finetuneSettingsFor(req: FinetuneRequest, search: { batchSize: number; augment?: boolean; seed: number }): FinetuneSettings {
  return {
    epochs: req.epochs,
    lr: req.lr ?? FINETUNE_DEFAULTS.lr,
    batchSize: search.batchSize,
    momentum: FINETUNE_DEFAULTS.momentum,
    weightDecay: FINETUNE_DEFAULTS.weightDecay,
    augment: search.augment ?? false,
    seed: search.seed,
  };
}

export function validateFinetune(s: FinetuneSettings): void {
  const bad: string[] = [];
  if (!Number.isInteger(s.epochs) || s.epochs < 1) bad.push(`fine-tune epochs must be an integer >= 1, got ${s.epochs}`);
  if (!(s.lr > 0) || !Number.isFinite(s.lr)) bad.push(`fine-tune lr must be > 0, got ${s.lr}`);
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
