/**
 * Settings of the two reuse procedures (reuse.ts) and their published
 * defaults. No TF.js here: the dashboard validates against these defaults.
 */
export type ReuseMethod = 'standard' | 'seam';

export interface ReuseSettings {
  method: ReuseMethod;
  /** Fine-tuning epochs (standard, and seam step 3). */
  epochs: number;
  batchSize: number;
  lrBackbone: number;
  lrHead: number;
  momentum: number;
  weightDecay: number;
  augment: boolean;
  seed: number;
  /** seam: fraction of the masked weights to remove, in (0, 1). */
  pruneThreshold: number;
  /** seam step 1 epochs (default: epochs). */
  headEpochs?: number;
  /** seam step 2: most search epochs before giving up on the threshold. */
  searchEpochs: number;
  alpha: number;
  lrMask: number;
}

export const REUSE_DEFAULTS: Omit<ReuseSettings, 'method'> = {
  epochs: 10,
  batchSize: 64,
  lrBackbone: 0.005,
  lrHead: 0.05,
  momentum: 0.9,
  weightDecay: 1e-4,
  augment: false,
  seed: 0,
  pruneThreshold: 0.6,
  searchEpochs: 30,
  alpha: 1,
  lrMask: 0.05,
};
