import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { loadModelFolderFromStore } from '../activities/model-folder-store.js';
import { unpackMaskSet, type MaskIndex } from '../engine/masks/mask-file.js';
import { workflowBundle } from '../workers/seam-worker.js';
import type { ReengineerSpec, RunProgress } from '../workflows/types.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { runCli } from './helpers/cli.js';
import { maskedOutValues } from './helpers/masked-out.js';
import { stageOf, useTinyOrchestration } from './helpers/orchestration-harness.js';
import { expectFailedBeforeSearch } from './helpers/failed-before-search.js';

// The optional finetuneModel stage on real servers (Temporal dev server, SeaweedFS), tiny model and data.
useEngineBackend();

const orch = useTinyOrchestration();

// Filter masks and a strong regulariser, so the compact export really is smaller.
const settings: ReengineerSpec['settings'] = { granularity: 'filter', head: 'appended', alpha: 3, lrMask: 0.2, lrHead: 0.1, epochs: 3, batchSize: 32, seed: 2 };

function spec(over: Partial<ReengineerSpec> = {}): ReengineerSpec {
  return { model: orch.trained.dir, data: orch.trained.spec, target: { mode: 'multiclass', classes: [0, 1, 2] }, settings, finetune: { epochs: 2, lr: 0.05 }, ...over };
}

const start = (s: ReengineerSpec) => orch.startReengineer(s, 'finetune', { searchHeartbeatSeconds: 30 });

interface Report {
  reengineered: { accuracy: number };
  finetune: {
    accuracy: number;
    valAccuracy: number;
    startValAccuracy: number;
    searchAccuracy: number;
    gain: number;
    selectedEpoch: number;
    settings: { epochs: number; lr: number; distill?: { weight: number; temperature: number }; freshNegatives?: true };
    history: { loss: number }[];
  };
  artifacts: { masks: string; masksIndex: string; maskedModel: string; compactModel: string; finetunedModel: string };
}

const reportOf = (p: RunProgress) => orch.report<Report>(p);

describe('reengineerWorkflow with fine-tuning', () => {
  it('fine-tunes after evaluateReengineered, exports and reports the tuned model, and a rerun takes it from the store', async () => {
    const handle = await start(spec());
    const first = await handle.result();
    expect(first.status).toBe('completed');
    expect(first.stages.map((s) => s.stage)).toEqual([
      'registerModel', 'sampleDataset', 'evaluateOriginal', 'searchMasks', 'evaluateReengineered', 'finetuneModel', 'exportModel', 'writeReport',
    ]);
    expect(first.stages.every((s) => s.status === 'done')).toBe(true);
    expect(stageOf(first, 'finetuneModel')).toMatchObject({ cached: false, summary: { epochs: 2, valAccuracy: expect.any(Number), startValAccuracy: expect.any(Number) } });

    const report = await reportOf(first);
    const f = report.finetune;
    for (const x of [f.accuracy, f.valAccuracy, f.startValAccuracy, f.searchAccuracy]) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(1);
    }
    expect(f.valAccuracy).toBeGreaterThanOrEqual(f.startValAccuracy);
    expect(f.searchAccuracy).toBe(report.reengineered.accuracy);
    expect(f.gain).toBeCloseTo(f.accuracy - f.searchAccuracy, 12);
    expect(f.settings).toMatchObject({ epochs: 2, lr: 0.05, batchSize: 32, seed: 2 });
    expect(f.history).toHaveLength(2);

    // The exported masked model is the tuned one, and every weight its masks removed is exactly zero.
    const masks = unpackMaskSet(JSON.parse((await orch.store.get(report.artifacts.masksIndex)).toString()) as MaskIndex, await orch.store.get(report.artifacts.masks));
    const shipped = await loadModelFolderFromStore(orch.store, report.artifacts.maskedModel);
    const zeros = maskedOutValues(masks, shipped);
    expect(zeros.length).toBeGreaterThan(0);
    expect(zeros.every((v) => v === 0)).toBe(true);
    const tuned = await loadModelFolderFromStore(orch.store, report.artifacts.finetunedModel);
    const conv = tuned.nodes.find((n) => n.weights.kernel)!;
    expect(shipped.byName.get(conv.name)!.weights.kernel!.data).toEqual(conv.weights.kernel!.data);

    const second = await (await start(spec())).result();
    expect(stageOf(second, 'finetuneModel').cached).toBe(true);
    expect((await reportOf(second)).finetune).toEqual(f);

    // The recorded history replays with the current workflow code.
    const history = await orch.client.workflow.getHandle(handle.workflowId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, handle.workflowId);
  });

  it('`seamflow submit --finetune-epochs N --finetune-lr L --finetune-distill W --finetune-temperature T` puts the request in the spec; the run fine-tunes', async () => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, TEMPORAL_ADDRESS: orch.stack.temporalAddress, TEMPORAL_NAMESPACE: orch.stack.namespace, SEAMFLOW_LOG_LEVEL: 'warn' };
    const runId = `finetune-cli-${randomUUID()}`;
    const res = await runCli(
      ['submit', '--model', orch.trained.dir, '--data', orch.trained.spec, '--target', '0,1,2', '--granularity', 'filter', '--alpha', '3', '--lr-mask', '0.2',
        '--epochs', '3', '--batch', '32', '--seed', '2', '--finetune-epochs', '2', '--finetune-lr', '0.05', '--finetune-distill', '0.5', '--finetune-temperature', '2', '--out', '/nonexistent', '--run-id', runId],
      env,
    );
    expect(res.code, res.stderr).toBe(0);
    const handle = orch.client.workflow.getHandle(runId);
    const result: RunProgress = await handle.result();
    expect(stageOf(result, 'finetuneModel')).toMatchObject({ status: 'done', summary: { epochs: 2 } });
    expect((await reportOf(result)).finetune.settings).toMatchObject({ epochs: 2, lr: 0.05, distill: { weight: 0.5, temperature: 2 } });
  });

  it('fine-tunes a binary target on fresh negatives drawn from the run\'s dataset', async () => {
    const binary: Partial<ReengineerSpec> = { target: { mode: 'binary', classes: [1] } };
    const fixed = await (await start(spec({ ...binary, finetune: { epochs: 2, lr: 0.05 } }))).result();
    const fresh = await (await start(spec({ ...binary, finetune: { epochs: 2, lr: 0.05, freshNegatives: true } }))).result();
    expect([fixed.status, fresh.status]).toEqual(['completed', 'completed']);
    const [a, b] = [(await reportOf(fixed)).finetune, (await reportOf(fresh)).finetune];
    expect(b.settings.freshNegatives).toBe(true);
    expect(a.settings.freshNegatives).toBeUndefined();
    // Same search, same seed: only the negatives differ, and the training sees it from the first epoch.
    expect(b.history[0]!.loss).not.toBe(a.history[0]!.loss);
    expect(b.valAccuracy).toBeGreaterThanOrEqual(b.startValAccuracy);
  });

  it.each<[string, Partial<ReengineerSpec>, string]>([
    ['zero epochs', { finetune: { epochs: 0 } }, 'fine-tune epochs must be an integer >= 1, got 0'],
    ['a learning rate <= 0', { finetune: { epochs: 2, lr: -1 } }, 'fine-tune lr must be > 0, got -1'],
    ['a distillation weight above 1', { finetune: { epochs: 2, distill: 2 } }, 'distillation weight must be in (0, 1], got 2'],
    ['the sliced head on a binary target', { settings: { ...settings, head: 'sliced' }, target: { mode: 'binary', classes: [1] } }, 'use the appended head for a binary target'],
    ['fresh negatives on a multiclass target', { finetune: { epochs: 2, freshNegatives: true } }, 'fresh negatives need a binary target'],
  ])('fails before the search, on attempt 1, for %s', async (_what, over, message) => {
    const handle = await start(spec(over));
    await expectFailedBeforeSearch(handle, { stage: 'finetuneModel', check: 'checkFinetuneRequest', message });
  });
});
