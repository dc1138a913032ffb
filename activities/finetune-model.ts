import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { DataError, loadDataset, unusedNegatives } from '../engine/data/index.js';
import type { ImageSet, TargetProblem } from '../engine/data/types.js';
import { finetuneAndTest, type FinetuneCheckpoint } from '../engine/finetune/finetune.js';
import { finetuneSettingsFor, type FinetuneRequest, type FinetuneSettings } from '../engine/finetune/settings.js';
import { exportGraph } from '../engine/graph/export.js';
import { unpackMaskSet } from '../engine/masks/mask-file.js';
import type { SearchSettings } from '../engine/search/search.js';
import { contentKey, type ArtifactStore } from '../infra/artifacts/index.js';
import type { FinetuneHeartbeat, FinetuneOutcome } from '../workflows/types.js';
import { ENGINE_CODE_VERSION } from './code-version.js';
import { readProblemMeta } from './sample-dataset.js';
import { loadGraphFromStore } from './model-bundle.js';
import { putModelFolder } from './model-folder-store.js';
import type { StoredSearch } from './search-masks.js';
import { getJson, getPlain, putJson, putPlain } from './store-codec.js';

export interface FinetuneModelInput {
  runId: string;
  modelKey: string;
  problemKey: string;
  searchKey: string;
  finetune: FinetuneRequest;
  /** The run's search settings: fine-tuning takes their batch size, augmentation and seed. */
  settings: SearchSettings;
  /** The run's dataset (spec and image cap), for fresh negatives: the stored problem holds only the ones it sampled. */
  data?: { spec: string; limit?: number };
}

/** Keys derive from the inputs: a rerun finds the outcome, a retry after a crash the last epoch-end checkpoint. */
export function finetuneKeys(input: FinetuneModelInput, settings: FinetuneSettings): { result: string; checkpoint: string; folder: string } {
  const inputs = { model: input.modelKey, problem: input.problemKey, search: input.searchKey, settings, code: ENGINE_CODE_VERSION };
  const result = contentKey('finetunes', inputs, 'outcome.json');
  const dir = result.slice(0, -'outcome.json'.length);
  return { result, checkpoint: `${dir}checkpoint.bin`, folder: `${dir}masked` };
}

/**
 * [ours] The search's model with its kept weights trained, masks fixed
 * (engine/finetune), stored as a standard TF.js folder for exportModel.
 * Heartbeats every training step (the loop yields there, so a cancellation
 * stops it at the next step); every epoch end leaves a checkpoint that the
 * next attempt continues from.
 */
export async function finetuneModel(store: ArtifactStore, input: FinetuneModelInput): Promise<FinetuneOutcome> {
  const settings = finetuneSettingsFor(input.finetune, input.settings);
  const keys = finetuneKeys(input, settings);
  if (await store.stat(keys.result)) return { ...(await getJson<Omit<FinetuneOutcome, 'cached'>>(store, keys.result)), cached: true };

  const ctx = Context.current();
  const lineage = { runId: input.runId, stage: 'finetuneModel', inputs: { model: input.modelKey, problem: input.problemKey, search: input.searchKey } };
  const graph = await loadGraphFromStore(store, input.modelKey);
  const problem = await getPlain<TargetProblem>(store, input.problemKey);
  const search = await getPlain<StoredSearch>(store, input.searchKey);
  const resumeFrom = (await store.stat(keys.checkpoint)) ? await getPlain<FinetuneCheckpoint>(store, keys.checkpoint) : undefined;
  if (resumeFrom) ctx.log.info(`resuming fine-tuning from ${keys.checkpoint} at epoch ${resumeFrom.train.epoch + 1}`);

  let last: FinetuneHeartbeat = {
    epoch: resumeFrom?.train.epoch ?? 0,
    epochs: settings.epochs,
    step: 0,
    steps: 0,
    done: 0,
    total: 0,
    loss: NaN,
    accuracy: 0,
    ...startOf(resumeFrom),
  };
  const beat = (next: FinetuneHeartbeat) => {
    last = next;
    ctx.heartbeat(last);
  };
  // Scoring validation at an epoch end has no steps: repeat the last heartbeat meanwhile.
  const timer = setInterval(() => ctx.heartbeat(last), 5_000);
  try {
    const unused = settings.freshNegatives ? await unusedNegativesOf(store, input, problem) : undefined;
    const tuned = await finetuneAndTest({ graph, masks: unpackMaskSet(search.masks.index, search.masks.bin), head: search.head, problem, ...(unused ? { unusedNegatives: unused } : {}) }, settings, {
      fingerprint: `${input.modelKey}|${input.searchKey}`,
      resumeFrom,
      onStep: (p) => {
        if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason ?? new CancelledFailure('finetuneModel cancelled');
        beat({ ...last, epoch: p.epoch, step: p.step, steps: p.steps, done: p.epoch * p.steps + p.step, total: settings.epochs * p.steps, loss: p.loss, accuracy: p.accuracy });
      },
      onEpoch: (r) => beat({ ...last, valAccuracy: r.valAccuracy, startValAccuracy: r.startValAccuracy }),
      onCheckpoint: (ck) => putPlain(store, keys.checkpoint, ck, lineage),
    });
    const exported = exportGraph(tuned.graph, { name: `${graph.name}_masked` });
    const folder = await putModelFolder(store, keys.folder, { graph: tuned.graph, exported }, lineage);
    const outcome: Omit<FinetuneOutcome, 'cached'> = {
      finetunedModelKey: folder.key,
      settings,
      accuracy: tuned.accuracy,
      valAccuracy: tuned.valAccuracy,
      startValAccuracy: tuned.startValAccuracy,
      selectedEpoch: tuned.selectedEpoch,
      seconds: tuned.seconds,
      epochs: tuned.history.length,
      history: tuned.history,
    };
    // The outcome last: it marks the stage done.
    await putJson(store, keys.result, outcome, lineage);
    return { ...outcome, cached: false };
  } finally {
    clearInterval(timer);
  }
}

/**
 * The problem's unused training negatives, from the dataset it was sampled
 * from (same draw: engine/data/target.ts); refused when the files changed
 * since, because the draw would no longer match the stored problem.
 */
async function unusedNegativesOf(store: ArtifactStore, input: FinetuneModelInput, problem: TargetProblem): Promise<ImageSet> {
  if (!input.data) throw new RangeError('fresh negatives need the run\'s dataset spec (finetuneModel input.data)');
  const ds = await loadDataset(input.data.spec, { limit: input.data.limit });
  const sampled = (await readProblemMeta(store, input.problemKey)).checksums;
  if (JSON.stringify(ds.checksums) !== JSON.stringify(sampled)) {
    throw new DataError(`${input.data.spec}: the dataset files changed since the problem was sampled (checksums differ); start a new run`);
  }
  return unusedNegatives(ds, { mode: problem.mode, classes: problem.classes, seed: input.settings.seed });
}

/** The search model's validation accuracy, as a resumed run's checkpoint remembers it. */
function startOf(ck: FinetuneCheckpoint | undefined): Pick<FinetuneHeartbeat, 'startValAccuracy'> {
  return ck ? { startValAccuracy: ck.startValAccuracy } : {};
}
