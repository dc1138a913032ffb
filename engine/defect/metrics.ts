/** Defect-inheritance measures, on plain predictions (percentages, as published). */

export interface DirResult {
  /** Defect inheritance rate in percent: wrong on the adversarial version among those right on the clean input. */
  dir: number;
  correctClean: number;
  /** Right on clean, wrong on adversarial. */
  flipped: number;
  total: number;
}

export function defectInheritanceRate(clean: ArrayLike<number>, adversarial: ArrayLike<number>, labels: ArrayLike<number>): DirResult {
  if (clean.length !== labels.length || adversarial.length !== labels.length) throw new RangeError('predictions and labels differ in length');
  let correctClean = 0;
  let flipped = 0;
  for (let i = 0; i < labels.length; i++) {
    if (clean[i] !== labels[i]) continue;
    correctClean++;
    if (adversarial[i] !== labels[i]) flipped++;
  }
  return { dir: correctClean ? (flipped / correctClean) * 100 : 0, correctClean, flipped, total: labels.length };
}

export interface AsrResult {
  /** Attack success rate in percent: triggered non-target images classified as the target. */
  asr: number;
  hits: number;
  total: number;
}

/** `predictions` on triggered images, `labels` their true classes: images already of `target` are left out. */
export function attackSuccessRate(predictions: ArrayLike<number>, labels: ArrayLike<number>, target: number): AsrResult {
  if (predictions.length !== labels.length) throw new RangeError('predictions and labels differ in length');
  let total = 0;
  let hits = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === target) continue;
    total++;
    if (predictions[i] === target) hits++;
  }
  return { asr: total ? (hits / total) * 100 : 0, hits, total };
}
