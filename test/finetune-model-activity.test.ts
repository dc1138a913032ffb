// The finetuneModel activity without a server (MockActivityEnvironment, filesystem store): it
// heartbeats, stops at a cancellation and the next attempt continues from the epoch-end checkpoint,
// stores the tuned model as a TF.js folder with masked-out weights exactly zero, serves a rerun
// from the store; exportModel exports that model; checkFinetuneRequest refuses bad requests up front.
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../activities/index.js';
import { loadModelFolderFromStore } from '../activities/model-folder-store.js';
import type { StoredSearch } from '../activities/search-masks.js';
import { getPlain } from '../activities/store-codec.js';
import { unpackMaskSet } from '../engine/masks/mask-file.js';
import type { MaskSet } from '../engine/masks/masks.js';
import type { SearchSettings } from '../engine/search/search.js';
import { FsArtifactStore } from '../infra/artifacts/index.js';
import type { FinetuneHeartbeat, FinetuneOutcome, SearchOutcome } from '../workflows/types.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { trainTinyOnSynthetic } from './fixtures/engine/trained.js';
import { maskedOutValues } from './helpers/masked-out.js';
import { tempDir } from './helpers/temp-dir.js';

useEngineBackend();

const storeDir = tempDir('seamflow-finetune-store-');
afterAll(() => storeDir.remove());
const store = new FsArtifactStore(storeDir.path);
const activities = createActivities({ store, backend: 'test' });
// Filter masks and a strong regulariser: many filters go, so there is accuracy to win back.
const settings: SearchSettings = { granularity: 'filter', head: 'appended', alpha: 1, lrMask: 0.1, lrHead: 0.1, epochs: 2, batchSize: 32, seed: 2, headOnlyEvery: 0 };
let input: Parameters<typeof activities.finetuneModel>[0];
let masks: MaskSet;
let search: SearchOutcome;

beforeAll(async () => {
  const trained = await trainTinyOnSynthetic();
  const model = await activities.registerModel({ runId: 'r', model: trained.dir });
  const problem = await activities.sampleDataset({ runId: 'r', data: trained.spec, target: { mode: 'multiclass', classes: [0, 1, 2] }, seed: 2 });
  search = (await new MockActivityEnvironment().run(activities.searchMasks, { runId: 'r', modelKey: model.modelKey, problemKey: problem.problemKey, settings, baseline: 1.01 })) as SearchOutcome;
  const stored = await getPlain<StoredSearch>(store, search.searchKey);
  masks = unpackMaskSet(stored.masks.index, stored.masks.bin);
  input = { runId: 'r', modelKey: model.modelKey, problemKey: problem.problemKey, searchKey: search.searchKey, finetune: { epochs: 3, lr: 0.05 }, settings };
});

describe('finetuneModel activity', () => {
  it('stops at a cancellation; the next attempt continues after the last finished epoch; a rerun is served from the store', async () => {
    const stopped = new MockActivityEnvironment();
    stopped.on('heartbeat', (hb: FinetuneHeartbeat) => {
      if (hb.epoch === 1) stopped.cancel(); // epoch 0's checkpoint is saved by now
    });
    await expect(stopped.run(activities.finetuneModel, input)).rejects.toBeInstanceOf(CancelledFailure);

    const env = new MockActivityEnvironment();
    const beats: FinetuneHeartbeat[] = [];
    env.on('heartbeat', (hb: FinetuneHeartbeat) => beats.push(hb));
    const out = (await env.run(activities.finetuneModel, input)) as FinetuneOutcome;
    expect(beats[0]!.epoch).toBe(1);
    expect(beats[0]!.startValAccuracy).toBe(out.startValAccuracy); // remembered by the checkpoint
    expect(beats.at(-1)).toMatchObject({ epoch: 2, epochs: 3, total: 3 * beats.at(-1)!.steps, valAccuracy: expect.any(Number) });
    expect(out).toMatchObject({ cached: false, epochs: 3, settings: { epochs: 3, lr: 0.05, batchSize: 32, seed: 2 } });
    expect(out.history.map((h) => h.epoch)).toEqual([0, 1, 2]);
    for (const a of [out.accuracy, out.valAccuracy, out.startValAccuracy]) expect(a).toBeGreaterThanOrEqual(0);
    expect(out.valAccuracy).toBeGreaterThanOrEqual(out.startValAccuracy); // the best epoch, or the search model kept

    // The tuned model is a standard TF.js folder; the weights the masks removed are still exactly zero.
    const zeros = maskedOutValues(masks, await loadModelFolderFromStore(store, out.finetunedModelKey));
    expect(zeros.length).toBeGreaterThan(0);
    expect(zeros.every((v) => v === 0)).toBe(true);

    const again = await new MockActivityEnvironment().run(activities.finetuneModel, input);
    expect(again).toEqual({ ...out, cached: true });

    // exportModel ships the tuned model (masked and compact) under its own key.
    const plain = await activities.exportModel({ runId: 'r', modelKey: input.modelKey, searchKey: input.searchKey });
    const tuned = await activities.exportModel({ runId: 'r', modelKey: input.modelKey, searchKey: input.searchKey, finetunedModelKey: out.finetunedModelKey });
    expect(tuned.maskedModelKey).not.toBe(plain.maskedModelKey);
    expect(tuned.compact.params).toBe(plain.compact.params); // the same channels go
    const shipped = await loadModelFolderFromStore(store, tuned.maskedModelKey);
    const stored = await loadModelFolderFromStore(store, out.finetunedModelKey);
    for (const node of stored.nodes) {
      for (const [role, w] of Object.entries(node.weights)) expect(shipped.byName.get(node.name)!.weights[role as 'kernel']!.data).toEqual(w!.data);
    }
  });

  it('checkFinetuneRequest refuses bad requests as non-retryable, with the engine messages', async () => {
    const check = (finetune: { epochs: number; lr?: number; freshNegatives?: boolean }, head: SearchSettings['head'] = 'appended', mode: 'binary' | 'multiclass' = 'binary') =>
      new MockActivityEnvironment().run(activities.checkFinetuneRequest, { runId: 'r', finetune, settings: { ...settings, head }, target: { mode, classes: mode === 'binary' ? [1] : [1, 2] } });
    for (const [req, head, mode, message] of [
      [{ epochs: 0 }, 'appended', 'binary', 'fine-tune epochs must be an integer >= 1, got 0'],
      [{ epochs: 2, lr: 0 }, 'appended', 'binary', 'fine-tune lr must be > 0, got 0'],
      [{ epochs: 2 }, 'sliced', 'binary', /use the appended head for a binary target/],
      [{ epochs: 2, freshNegatives: true }, 'appended', 'multiclass', /fresh negatives need a binary target/],
    ] as const) {
      const err = await check(req, head, mode).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect((err as ApplicationFailure).nonRetryable).toBe(true);
      expect((err as ApplicationFailure).message).toMatch(message);
    }
    await expect(check({ epochs: 2 }, 'sliced', 'multiclass')).resolves.toMatchObject({ epochs: 2, lr: 0.01, batchSize: 32 });
    await expect(check({ epochs: 2, freshNegatives: true })).resolves.toMatchObject({ epochs: 2, freshNegatives: true });
  });
});
