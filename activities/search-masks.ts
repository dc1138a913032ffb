import { Context } from '@temporalio/activity';
import { augmentBatch } from '../engine/data/augment.js';
import type { TargetProblem } from '../engine/data/types.js';
import { disposeParams, prepareParams } from '../engine/graph/params.js';
import { packMaskSet } from '../engine/masks/mask-file.js';
import type { HeadData } from '../engine/search/head.js';
import { runSearch, SearchAbortedError, type EpochRecord, type SearchCheckpoint, type SearchSettings } from '../engine/search/search.js';
import { contentKey, type ArtifactStore } from '../infra/artifacts/index.js';
import { searchEpoch, searchLoss, searchWrr } from '../infra/metrics/registry.js';
import type { SearchHeartbeat, SearchOutcome } from '../workflows/types.js';
import { ENGINE_CODE_VERSION } from './code-version.js';
import { loadGraphFromStore } from './model-bundle.js';
import { getPlain, putJson, putPlain } from './store-codec.js';

export interface SearchMasksInput {
  runId: string;
  modelKey: string;
  problemKey: string;
  settings: SearchSettings;
  /** The original's validation accuracy: the selection threshold. */
  baseline: number;
  checkpointEverySteps?: number;
}

/** What a finished search leaves in the store for the later stages. */
export interface StoredSearch {
  masks: { index: ReturnType<typeof packMaskSet>['index']; bin: Uint8Array };
  head: HeadData;
  selected: SearchOutcome['selected'];
  history: EpochRecord[];
  epochsRun: number;
  stoppedEarly: boolean;
  seconds: number;
  backend: string;
}

/**
 * All keys of one search derive from its inputs, so a retry, a rerun of the
 * same spec, or `seamflow resume` of a failed run find the same checkpoint and
 * result without being told where they are.
 */
export function searchKeys(input: SearchMasksInput): { dir: string; result: string; checkpoint: string; masks: string; masksIndex: string } {
  const inputs = {
    model: input.modelKey,
    problem: input.problemKey,
    settings: input.settings,
    baseline: input.baseline,
    code: ENGINE_CODE_VERSION,
  };
  const result = contentKey('searches', inputs, 'result.bin');
  const dir = result.slice(0, -'result.bin'.length);
  return { dir, result, checkpoint: `${dir}checkpoint.bin`, masks: `${dir}masks.bin`, masksIndex: `${dir}masks.json` };
}

export async function searchMasks(store: ArtifactStore, backend: string, input: SearchMasksInput): Promise<SearchOutcome> {
  const keys = searchKeys(input);
  const existing = await store.stat(keys.result);
  if (existing) {
    const done = await getPlain<StoredSearch>(store, keys.result);
    return outcome(keys, done, 0, true);
  }

  const ctx = Context.current();
  const lineage = searchLineage(input);
  const graph = await loadGraphFromStore(store, input.modelKey);
  const problem = await getPlain<TargetProblem>(store, input.problemKey);

  // Resume: the last heartbeat names the checkpoint; a fresh attempt of a failed run finds it by key.
  const beat = ctx.info.heartbeatDetails as SearchHeartbeat | undefined;
  const ckKey = beat?.checkpointKey ?? ((await store.stat(keys.checkpoint)) ? keys.checkpoint : undefined);
  const resumeFrom = ckKey ? await getPlain<SearchCheckpoint>(store, ckKey) : undefined;
  const resumedFromEpoch = resumeFrom ? resumeFrom.epoch : 0;
  if (resumeFrom) ctx.log.info(`resuming search from ${ckKey} at epoch ${resumeFrom.epoch + 1}, step ${resumeFrom.step}`);

  let last: SearchHeartbeat = { epoch: resumedFromEpoch, epochs: input.settings.epochs, step: 0, steps: 0, loss: NaN, wrr: 1, accuracy: 0, checkpointKey: ckKey };
  const params = prepareParams(graph);
  try {
    const result = await runSearch({ graph, params, problem, baseline: input.baseline }, input.settings, {
      fingerprint: `${input.modelKey}|${input.problemKey}`,
      resumeFrom,
      signal: ctx.cancellationSignal,
      checkpointEverySteps: input.checkpointEverySteps,
      augmenter: input.settings.augment ? augmentBatch : undefined,
      onStep: (p) => {
        last = { ...last, epoch: p.epoch, epochs: p.epochs, step: p.step, steps: p.steps, loss: p.loss, wrr: p.wrr, accuracy: p.accuracy };
        searchEpoch.set({ run: input.runId }, p.epoch);
        searchLoss.set({ run: input.runId }, p.loss);
        searchWrr.set({ run: input.runId }, p.wrr);
        ctx.heartbeat(last);
      },
      onCheckpoint: async (ck) => {
        await putPlain(store, keys.checkpoint, ck, lineage);
        last = { ...last, checkpointKey: keys.checkpoint };
        ctx.heartbeat(last);
      },
    });
    const packed = packMaskSet(result.masks);
    const stored: StoredSearch = {
      masks: packed,
      head: result.head,
      selected: result.selected,
      history: result.history,
      epochsRun: result.epochsRun,
      stoppedEarly: result.stoppedEarly,
      seconds: result.seconds,
      backend,
    };
    await saveSearch(store, input, stored);
    return outcome(keys, stored, resumedFromEpoch, false);
  } catch (err) {
    if (err instanceof SearchAbortedError && ctx.cancellationSignal.aborted) {
      // The checkpoint was saved on abort; report the cancellation Temporal asked for.
      throw ctx.cancellationSignal.reason ?? err;
    }
    throw err;
  } finally {
    disposeParams(params);
    searchEpoch.remove({ run: input.runId });
    searchLoss.remove({ run: input.runId });
    searchWrr.remove({ run: input.runId });
  }
}

/** Stores a finished search where the later stages look for it (also used by the orchestration bench's simulated search). */
export async function saveSearch(store: ArtifactStore, input: SearchMasksInput, stored: StoredSearch): Promise<SearchOutcome> {
  const keys = searchKeys(input);
  const lineage = searchLineage(input);
  // Masks also as the standard on-disk pair, for download; the result record last (it marks the stage done).
  await store.put(keys.masks, stored.masks.bin, { lineage });
  await putJson(store, keys.masksIndex, stored.masks.index, lineage);
  await putPlain(store, keys.result, stored, lineage);
  return outcome(keys, stored, 0, false);
}

function searchLineage(input: SearchMasksInput) {
  return { runId: input.runId, stage: 'searchMasks', inputs: { model: input.modelKey, problem: input.problemKey } };
}

function outcome(keys: ReturnType<typeof searchKeys>, s: StoredSearch, resumedFromEpoch: number, cached: boolean): SearchOutcome {
  return {
    searchKey: keys.result,
    masksKey: keys.masks,
    selected: s.selected,
    epochsRun: s.epochsRun,
    stoppedEarly: s.stoppedEarly,
    seconds: s.seconds,
    backend: s.backend,
    resumedFromEpoch,
    cached,
  };
}
