// DIR and ASR on hand-made predictions; the PGD attack on a tiny teacher's
// feature extractor raises its objective and stays in the eps ball and [0, 1].
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { makeSyntheticDataset, SYNTHETIC_DEFAULTS } from '../engine/data/synthetic.js';
import { featureNode, HEAD_NAME, withNewHead } from '../engine/defect/head.js';
import { attackSuccessRate, defectInheritanceRate } from '../engine/defect/metrics.js';
import { featureObjective, featureObjectiveOn, pgdAttack } from '../engine/defect/pgd.js';
import { disposeParams, prepareParams } from '../engine/graph/params.js';
import { Rng } from '../engine/random.js';
import { architectureGraph, channelStats } from '../engine/train/architectures.js';
import { predictClasses } from '../engine/train/predict.js';
import { useEngineBackend } from './fixtures/engine/backend.js';

useEngineBackend();

describe('DIR and ASR', () => {
  it('DIR = correct-on-clean and wrong-on-adversarial / correct-on-clean, in percent', () => {
    const labels = [0, 1, 2, 0, 1, 2, 0, 1];
    const clean = [0, 1, 2, 0, 1, 0, 1, 1]; // 6 correct (indices 0-4, 7)
    const adv = [0, 2, 2, 1, 1, 0, 0, 0]; // of those, 1, 3, 7 flipped; 6 was wrong on clean (ignored even though right now)
    expect(defectInheritanceRate(clean, adv, labels)).toEqual({ dir: 50, correctClean: 6, flipped: 3, total: 8 });
    expect(defectInheritanceRate([1], [0], [0]).dir).toBe(0);
    expect(() => defectInheritanceRate([0], [0, 1], [0])).toThrow(RangeError);
  });

  it('ASR counts triggered non-target images classified as the target', () => {
    const labels = [0, 1, 2, 3, 0, 1];
    const pred = [0, 0, 0, 3, 1, 0];
    // Non-target (target 0): indices 1, 2, 3, 5 -> hits 1, 2, 5.
    expect(attackSuccessRate(pred, labels, 0)).toEqual({ asr: 75, hits: 3, total: 4 });
  });
});

describe('penultimate-layer-guided PGD', () => {
  const ds = makeSyntheticDataset({ ...SYNTHETIC_DEFAULTS, test: 24 });

  it('the objective is -(mean)[(f0 - 1000)^2 + 0.1 mean_{j>=1} f_j^2]', () => {
    const f = tf.tensor2d([
      [1000, 1, 3],
      [998, 0, 0],
    ]);
    const v = featureObjective(f).dataSync()[0]!;
    expect(v).toBeCloseTo(-(0 + 0.1 * 5 + 4) / 2, 4);
    f.dispose();
  });

  it('raises the teacher-feature objective and stays within eps of the input and inside [0, 1]', async () => {
    const teacher = await architectureGraph('cnn', { inputShape: [8, 8, 3], classes: 4, width: 0.25, normalisation: channelStats(ds.train), seed: 4 });
    expect(featureNode(teacher)).toBe('features');
    const params = prepareParams(teacher);
    try {
      const eps = 0.05;
      const adv = await pgdAttack(teacher, params, ds.test, { eps, stepSize: 0.02, steps: 5, seed: 1, batchSize: 10 });
      let maxDelta = 0;
      for (let i = 0; i < adv.length; i++) {
        maxDelta = Math.max(maxDelta, Math.abs(adv[i]! - ds.test.images[i]!));
        expect(adv[i]!).toBeGreaterThanOrEqual(0);
        expect(adv[i]!).toBeLessThanOrEqual(1);
      }
      expect(maxDelta).toBeLessThanOrEqual(eps + 1e-6);
      expect(maxDelta).toBeGreaterThan(eps / 2);
      const before = await featureObjectiveOn(teacher, params, ds.test.images, ds.test);
      const after = await featureObjectiveOn(teacher, params, adv, ds.test);
      expect(after).toBeGreaterThan(before);
      // Seeded: the same call gives the same images.
      expect(await pgdAttack(teacher, params, ds.test, { eps, stepSize: 0.02, steps: 5, seed: 1, batchSize: 10 })).toEqual(adv);
    } finally {
      disposeParams(params);
    }
  });

  it('a new head replaces the output layer on the same features', async () => {
    const teacher = await architectureGraph('cnn', { inputShape: [8, 8, 3], classes: 4, width: 0.25, seed: 4 });
    const student = withNewHead(teacher, 2, new Rng(1));
    expect(student.output).toBe(HEAD_NAME);
    expect(student.byName.has('logits')).toBe(false);
    expect(student.byName.get(HEAD_NAME)!.inputs).toEqual(['features']);
    const pred = await predictClasses(student, ds.test);
    expect(Math.max(...pred)).toBeLessThanOrEqual(1);
  });
});
