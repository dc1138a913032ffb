/**
 * The simulated GPU job of the orchestration bench's zoo: the only stage that
 * is simulated. It holds this worker process's one seam-gpu slot for a fixed
 * time D in all by sleeping (not by burning CPU: the bench box has 2 cores,
 * which the real CPU stages, the workers and the server need), then stores a
 * valid search result (a seeded half mask, the initial head) under the real search
 * keys, so the real later stages (evaluation, export, report) have real work.
 */
import { Context } from '@temporalio/activity';
import type { TargetProblem } from '../../engine/data/types.js';
import { logitCount } from '../../engine/graph/forward.js';
import { numel } from '../../engine/graph/types.js';
import { packMaskSet } from '../../engine/masks/mask-file.js';
import { keptParamCount, maskedParamCount, maskSpecs, type MaskSet } from '../../engine/masks/masks.js';
import { Rng } from '../../engine/random.js';
import { initHead } from '../../engine/search/head.js';
import { instrument } from '../../activities/instrument.js';
import { loadGraphFromStore } from '../../activities/model-bundle.js';
import { saveSearch, type SearchMasksInput, type StoredSearch } from '../../activities/search-masks.js';
import { getPlain } from '../../activities/store-codec.js';
import type { ArtifactStore } from '../../infra/artifacts/index.js';
import type { SearchOutcome } from '../../workflows/types.js';

/** One simulated GPU job as the parent sees it: wall-clock ms (same machine as the server). */
export interface GpuJob {
  workflowId: string;
  /** When the server queued this attempt: tells a GPU waiting for work from one waiting for dispatch. */
  scheduled: number;
  start: number;
  end: number;
}

export function simulatedSearchMasks(store: ArtifactStore, gpuSeconds: number, onJob: (job: GpuJob) => void): (input: SearchMasksInput) => Promise<SearchOutcome> {
  return instrument(
    'searchMasks',
    async (input: SearchMasksInput) => {
      const ctx = Context.current();
      const start = Date.now();
      ctx.heartbeat();
      const graph = await loadGraphFromStore(store, input.modelKey);
      const problem = await getPlain<TargetProblem>(store, input.problemKey);
      const rng = new Rng(input.settings.seed);
      const specs = maskSpecs(graph, input.settings.granularity);
      const masks: MaskSet = {
        granularity: input.settings.granularity,
        specs,
        // Keep about half, and always the first of each tensor, so no layer is cut off entirely.
        masks: specs.map((s) => Uint8Array.from({ length: numel(s.shape) }, (_, i) => (i === 0 || rng.next() < 0.5 ? 1 : 0))),
      };
      const wrr = keptParamCount(masks) / maskedParamCount(specs);
      const stored: StoredSearch = {
        masks: packMaskSet(masks),
        head: initHead(input.settings.head, problem.mode, problem.classes, logitCount(graph), rng),
        selected: { epoch: input.settings.epochs - 1, valAccuracy: input.baseline, wrr, rule: 'min-wrr-at-baseline' },
        history: [],
        epochsRun: input.settings.epochs,
        stoppedEarly: false,
        seconds: gpuSeconds,
        backend: 'simulated-gpu',
      };
      // The job takes D in all, reading its inputs included; Context.sleep ends early (throws)
      // when the run is cancelled, as the real search would.
      await ctx.sleep(Math.max(0, start + gpuSeconds * 1000 - Date.now()));
      const out = await saveSearch(store, input, stored);
      onJob({ workflowId: ctx.info.workflowExecution?.workflowId ?? '', scheduled: ctx.info.currentAttemptScheduledTimestampMs, start, end: Date.now() });
      return out;
    },
    (i) => i.modelKey,
  );
}
