// Reuse procedures on a tiny backdoored teacher trained by `seamflow train`'s
// engine: standard fine-tuning keeps the backdoor and the measurement shows it;
// seam reuse removes the requested fraction of the backbone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateDefect, type DefectJob } from '../engine/defect/evaluate.js';
import { pruneToThreshold, REUSE_DEFAULTS } from '../engine/defect/reuse.js';
import { wrrOf, type MaskSet } from '../engine/masks/masks.js';
import { parsePoisonSpec } from '../engine/train/poison.js';
import { trainSourceModel, type TrainedModelMeta } from '../engine/train/source-model.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { tempDir } from './helpers/temp-dir.js';

useEngineBackend();

const tmp = tempDir('seamflow-defect-');
afterAll(() => tmp.remove());
let meta: TrainedModelMeta;

beforeAll(async () => {
  meta = await trainSourceModel({
    arch: 'cnn',
    width: 0.5,
    data: 'synthetic',
    settings: { epochs: 6, batchSize: 32, lr: 0.05, schedule: 'cosine', momentum: 0.9, weightDecay: 5e-4, augment: false, seed: 0 },
    poison: parsePoisonSpec('trigger=patch:3x3:bottom-right,rate=0.1,target=0'),
    out: tmp.path,
  });
});

const job = (method: 'standard' | 'seam', attack: 'pgd' | 'backdoor'): DefectJob => ({
  teacher: tmp.path,
  data: 'synthetic',
  classes: [0, 1, 2],
  attack,
  reuse: { ...REUSE_DEFAULTS, method, epochs: 3, batchSize: 32, lrMask: 0.2, searchEpochs: 10, seed: 1 },
  pgd: { steps: 5 },
});

describe('defect inheritance on a tiny backdoored teacher', () => {
  it('the teacher is accurate and its backdoor works', () => {
    expect(meta.testAccuracy).toBeGreaterThan(0.9);
    expect(meta.poison!.poisonedImages).toBe(26);
    expect(meta.poison!.asr).toBeGreaterThan(90);
  });

  it('standard fine-tuning inherits the backdoor, and the ASR says so', async () => {
    const { report } = await evaluateDefect(job('standard', 'backdoor'));
    expect(report.student.accuracy).toBeGreaterThan(0.9);
    expect(report.attack.kind).toBe('backdoor');
    if (report.attack.kind !== 'backdoor') return;
    expect(report.attack.teacherAsr).toBeGreaterThan(90);
    expect(report.attack.asr).toBeGreaterThan(80);
    expect(report.attack.total).toBe(64); // the test images of classes 1 and 2
  });

  it('seam reuse reaches the prune threshold and keeps the task', async () => {
    const { report } = await evaluateDefect(job('seam', 'pgd'));
    expect(report.seam!.removed).toBeGreaterThanOrEqual(0.6);
    expect(report.student.accuracy).toBeGreaterThan(0.9);
    expect(report.attack.kind).toBe('pgd');
    if (report.attack.kind !== 'pgd') return;
    expect(report.attack.featureObjective.adversarial).toBeGreaterThan(report.attack.featureObjective.clean);
    expect(report.attack.dir).toBeGreaterThanOrEqual(0);
    expect(report.attack.dir).toBeLessThanOrEqual(100);
  });

  it('computes the PGD inputs once when evaluations share a cache', async () => {
    const cache = new Map<string, Float32Array>();
    let attacked = 0;
    const hooks = { onAttackProgress: () => void attacked++ };
    const first = await evaluateDefect({ ...job('standard', 'pgd'), adversarialCache: cache }, hooks);
    const calls = attacked;
    const again = await evaluateDefect({ ...job('standard', 'pgd'), adversarialCache: cache }, hooks);
    expect(calls).toBeGreaterThan(0);
    expect(attacked).toBe(calls);
    expect(cache.size).toBe(1);
    expect(again.report.attack).toEqual(first.report.attack);
  });

  it('tops a short search up to the threshold by removing the lowest scores', () => {
    const specs = [{ node: 'a', role: 'kernel' as const, shape: [4], kernelShape: [4], hasBias: false, paramsPerScore: 1 }];
    const set: MaskSet = { granularity: 'weight', specs, masks: [Uint8Array.from([1, 1, 1, 0])] };
    const out = pruneToThreshold(set, [Float32Array.from([0.3, 0.1, 0.2, -1])], 0.5);
    expect(Array.from(out.masks[0]!)).toEqual([1, 0, 1, 0]);
    expect(wrrOf(out)).toBe(0.5);
  });
});
