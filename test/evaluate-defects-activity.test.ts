// The evaluateDefects activity without a server (MockActivityEnvironment, filesystem store): a backdoored
// teacher's meta.json travels inside its registered model, the backdoor is measured on both reuses with
// heartbeats, the result is cached, and a trigger class outside the target fails as non-retryable input.
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../activities/index.js';
import { loadModelFromStore, registerModelFolder } from '../activities/model-bundle.js';
import { parsePoisonSpec } from '../engine/train/poison.js';
import { trainSourceModel } from '../engine/train/source-model.js';
import { FsArtifactStore } from '../infra/artifacts/index.js';
import type { DefectSettings, DefectsHeartbeat, DefectsOutcome, ModelRef } from '../workflows/types.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { tempDir } from './helpers/temp-dir.js';

useEngineBackend();

const teacherDir = tempDir('seamflow-defects-teacher-');
const storeDir = tempDir('seamflow-defects-store-');
afterAll(() => {
  teacherDir.remove();
  storeDir.remove();
});
const store = new FsArtifactStore(storeDir.path);
const activities = createActivities({ store, backend: 'test' });
let model: ModelRef;

beforeAll(async () => {
  await trainSourceModel({
    arch: 'cnn',
    width: 0.25,
    data: 'synthetic',
    settings: { epochs: 4, batchSize: 32, lr: 0.05, schedule: 'cosine', momentum: 0.9, weightDecay: 5e-4, augment: false, seed: 0 },
    poison: parsePoisonSpec('trigger=patch:3x3:bottom-right,rate=0.1,target=0'),
    out: teacherDir.path,
  });
  model = await registerModelFolder(store, teacherDir.path);
});

const backdoor: DefectSettings = { attack: 'backdoor', epochs: 1, pruneThreshold: 0.5, searchEpochs: 2, seed: 1 };
const problemFor = (classes: number[]) => activities.sampleDataset({ runId: 'r', data: 'synthetic', target: { mode: 'multiclass', classes }, seed: 1 });

describe('evaluateDefects activity', () => {
  it("carries the model folder's meta.json into the store", async () => {
    const { meta } = await loadModelFromStore(store, model.modelKey);
    expect(meta?.poison).toMatchObject({ trigger: 'patch:3x3:bottom-right', target: 0 });
  });

  it('measures the backdoor on standard and seam reuse, heartbeating, and caches the result', async () => {
    const problem = await problemFor([0, 1, 2]);
    const env = new MockActivityEnvironment();
    const beats: DefectsHeartbeat[] = [];
    env.on('heartbeat', (d: DefectsHeartbeat) => beats.push(d));
    const input = { runId: 'r', modelKey: model.modelKey, problemKey: problem.problemKey, defects: backdoor };
    const out = (await env.run(activities.evaluateDefects, input)) as DefectsOutcome;
    expect(out).toMatchObject({ attack: 'backdoor', measure: 'ASR', cached: false });
    for (const v of [out.standard.value, out.seam.value]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(100);
    }
    expect(out.seam.wrr).toBeLessThanOrEqual(0.5 + 1e-9);
    for (const b of beats) expect(b.seconds).toBeGreaterThanOrEqual(0);
    expect(beats.some((b) => b.phase === 'search' && /^wrr \S+ acc \S+$/.test(b.note ?? ''))).toBe(true);
    expect(new Set(beats.map((b) => `${b.method}:${b.phase}`))).toEqual(
      new Set(['standard:load', 'standard:reuse', 'standard:finetune', 'standard:evaluate', 'standard:attack', 'seam:load', 'seam:reuse', 'seam:head', 'seam:search', 'seam:retrain', 'seam:evaluate', 'seam:attack']),
    );
    const stored = JSON.parse((await store.get(out.defectsKey)).toString()) as { standard: { attack: { teacherAsr: number } }; seam: { method: string } };
    expect(stored.standard.attack.teacherAsr).toBeGreaterThan(50);
    expect(stored.seam.method).toBe('seam');

    const again = await new MockActivityEnvironment().run(activities.evaluateDefects, input);
    expect(again).toEqual({ ...out, cached: true });
  });

  it('refuses a trigger class outside the target as non-retryable, before training', async () => {
    const problem = await problemFor([1, 2]);
    const t0 = Date.now();
    const err = await new MockActivityEnvironment()
      .run(activities.evaluateDefects, { runId: 'r', modelKey: model.modelKey, problemKey: problem.problemKey, defects: backdoor })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as ApplicationFailure).message).toMatch(/the trigger's class 0 is not among the target classes \[1, 2\]/);
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('checkDefectRequest refuses up front what evaluateDefects would refuse, with the same message; accepts what it can serve', async () => {
    const check = (classes: number[], defects: DefectSettings = backdoor, mode: 'binary' | 'multiclass' = 'multiclass') =>
      new MockActivityEnvironment().run(activities.checkDefectRequest, { runId: 'r', modelKey: model.modelKey, target: { mode, classes }, defects });
    const err = await check([1, 2]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as ApplicationFailure).message).toMatch(/the trigger's class 0 is not among the target classes \[1, 2\]/);
    await expect(check([0, 1, 2])).resolves.toEqual({ attack: 'backdoor', triggerClass: 0 });
    await expect(check([1], backdoor, 'binary')).resolves.toEqual({ attack: 'backdoor', triggerClass: 0 }); // binary: the trigger's class maps to "other"
    await expect(check([1, 2], { ...backdoor, attack: 'pgd' })).resolves.toEqual({ attack: 'pgd' });
    const bad = await check([0, 1], { ...backdoor, pruneThreshold: 1.5 }).catch((e: unknown) => e);
    expect((bad as ApplicationFailure).nonRetryable).toBe(true);
    expect((bad as ApplicationFailure).message).toMatch(/prune threshold must be in \(0, 1\)/);
  });
});
