/**
 * The whole re-engineering of one model for one target problem, as a facade
 * over the engine's single-purpose parts: score the original, search masks,
 * score the result, count costs, optionally time inference. Pure TF.js and
 * plain data in and out; callers (CLI, activities) do the I/O.
 */
import type { ImageSet, TargetProblem } from './data/types.js';
import { modelCost, type CostSummary } from './eval/cost.js';
import { measureLatency, type LatencyOptions, type LatencyResult } from './eval/latency.js';
import { scoreOriginal, type OriginalScore } from './eval/original.js';
import { maskedAccuracy } from './eval/masked-accuracy.js';
import { forward, logitCount } from './graph/forward.js';
import { ModelInputError } from './graph/model-folder.js';
import { disposeParams, prepareParams } from './graph/params.js';
import type { Graph } from './graph/types.js';
import { maskedParamsFor } from './masks/masks.js';
import { finetuneAndTest, type FinetunedModel, type FinetuneHooks } from './finetune/finetune.js';
import type { FinetuneSettings } from './finetune/settings.js';
import { HeadModule } from './search/head.js';
import { runSearch, type SearchHooks, type SearchResult, type SearchSettings } from './search/search.js';

export type BaselineRule = 'published' | 'restricted';

export interface ReengineerOptions {
  settings: SearchSettings;
  hooks?: SearchHooks;
  /** Which original accuracy the selection must reach (default the published rule). */
  baseline?: BaselineRule;
  evalBatchSize?: number;
  latency?: LatencyOptions | false;
  /** [ours] Train the kept weights after the search, masks fixed (engine/finetune). */
  finetune?: { settings: FinetuneSettings; hooks?: FinetuneHooks; unusedNegatives?: ImageSet };
  /** Called between the stages, for progress output. */
  onStage?: (stage: 'score-original' | 'search' | 'score-reengineered' | 'finetune' | 'latency') => void;
}

export interface ReengineerResult {
  original: { val: OriginalScore; test: OriginalScore; cost: CostSummary };
  reengineered: { valAccuracy: number; accuracy: number; wrr: number; cost: CostSummary };
  baseline: { rule: BaselineRule; valAccuracy: number };
  search: SearchResult;
  /** Present when fine-tuning was asked for: the model to ship (masked model + head, weights trained). */
  finetuned?: FinetunedModel;
  latency?: { backend: string; original: LatencyResult[]; reengineered: LatencyResult[] };
}

/** Rejects a model/problem pair that cannot work, naming both sides. */
export function checkCompatible(graph: Graph, problem: TargetProblem, numClasses?: number): void {
  const input = graph.byName.get(graph.input)!.outputShape;
  const s = problem.train;
  const data = [s.height, s.width, s.channels];
  if (input.join() !== data.join()) {
    throw new ModelInputError(
      `model input shape [${input.join(', ')}] does not match the dataset's images [${data.join(', ')}] (height, width, channels)`,
    );
  }
  const logits = logitCount(graph);
  if (numClasses !== undefined && numClasses !== logits) {
    throw new ModelInputError(`model has ${logits} outputs but the dataset has ${numClasses} classes`);
  }
  const bad = problem.classes.filter((c) => c >= logits);
  if (bad.length) throw new ModelInputError(`target class ${bad.join(', ')} out of range for a model with ${logits} outputs (0..${logits - 1})`);
}

export async function reengineer(graph: Graph, problem: TargetProblem, opts: ReengineerOptions): Promise<ReengineerResult> {
  checkCompatible(graph, problem);
  const evalBatch = opts.evalBatchSize ?? 256;
  const params = prepareParams(graph);
  try {
    opts.onStage?.('score-original');
    const target = { mode: problem.mode, classes: problem.classes };
    const val = await scoreOriginal(graph, params, problem.val, target, evalBatch);
    const test = await scoreOriginal(graph, params, problem.test, target, evalBatch);
    const rule = opts.baseline ?? 'published';
    const baseline = rule === 'published' ? val.accuracy : val.accuracyRestricted;

    opts.onStage?.('search');
    const search = await runSearch({ graph, params, problem, baseline }, opts.settings, { evalBatchSize: evalBatch, ...opts.hooks });

    opts.onStage?.('score-reengineered');
    const accuracy = await maskedAccuracy(graph, params, search.masks, search.head, problem.test, evalBatch);
    const result: ReengineerResult = {
      original: { val, test, cost: modelCost(graph) },
      reengineered: {
        valAccuracy: search.selected.valAccuracy,
        accuracy,
        wrr: search.selected.wrr,
        cost: modelCost(graph, search.masks, search.head),
      },
      baseline: { rule, valAccuracy: baseline },
      search,
    };

    if (opts.finetune) {
      opts.onStage?.('finetune');
      const { settings, hooks, unusedNegatives } = opts.finetune;
      result.finetuned = await finetuneAndTest({ graph, masks: search.masks, head: search.head, problem, ...(unusedNegatives ? { unusedNegatives } : {}) }, settings, hooks, evalBatch);
    }

    if (opts.latency) {
      opts.onStage?.('latency');
      const shape = graph.byName.get(graph.input)!.outputShape;
      const orig = await measureLatency((x) => forward(graph, params, x), shape, opts.latency);
      const head = new HeadModule(search.head);
      const masked = maskedParamsFor(params, search.masks);
      const re = await measureLatency((x) => head.apply(forward(graph, masked.params, x, { logits: true })), shape, opts.latency);
      masked.dispose();
      head.dispose();
      result.latency = { backend: orig.backend, original: orig.results, reengineered: re.results };
    }
    return result;
  } finally {
    disposeParams(params);
  }
}
