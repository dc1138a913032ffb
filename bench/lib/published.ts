/**
 * SeaM's published headline figures (abstract of arXiv 2304.00245, see
 * ../shared/docs/METHOD.md), shown beside ours in every table where one applies.
 */
export const PUBLISHED = {
  /** Mean share of weights kept by re-engineered models (percent). */
  wrrPercent: 10.11,
  /** Inference time change with a sparse CPU runtime (percent; negative is faster). */
  inferenceTimePercent: -42.41,
  /** Accuracy gain over the original on the target problem (points). */
  accuracyGainPoints: 5.85,
  /** Fewer inherited defects (percent). */
  fewerDefectsPercent: 57,
  /** Epochs and batch of the published search. */
  epochs: 300,
  batch: 64,
  source: 'SeaM, ICSE 2023 (arXiv 2304.00245), abstract',
} as const;
