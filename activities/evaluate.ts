import type { TargetProblem } from '../engine/data/types.js';
import { modelCost } from '../engine/eval/cost.js';
import { scoreOriginal } from '../engine/eval/original.js';
import { disposeParams, prepareParams } from '../engine/graph/params.js';
import { unpackMaskSet } from '../engine/masks/mask-file.js';
import { maskedAccuracy } from '../engine/eval/masked-accuracy.js';
import { checkCompatible } from '../engine/reengineer.js';
import { contentKey, type ArtifactStore } from '../infra/artifacts/index.js';
import type { OriginalEvaluation, ReengineeredEvaluation } from '../workflows/types.js';
import { ENGINE_CODE_VERSION } from './code-version.js';
import { loadGraphFromStore } from './model-bundle.js';
import type { StoredSearch } from './search-masks.js';
import { getJson, getPlain, putJson } from './store-codec.js';

const EVAL_BATCH = 256;

/** The original model on the target problem, both scorings (METHOD.md), plus its cost. */
export async function evaluateOriginal(
  store: ArtifactStore,
  input: { runId: string; modelKey: string; problemKey: string },
): Promise<OriginalEvaluation> {
  const key = contentKey('evaluations', { kind: 'original', model: input.modelKey, problem: input.problemKey, code: ENGINE_CODE_VERSION }, 'original.json');
  if (await store.stat(key)) return getJson<OriginalEvaluation>(store, key);
  const graph = await loadGraphFromStore(store, input.modelKey);
  const problem = await getPlain<TargetProblem>(store, input.problemKey);
  checkCompatible(graph, problem);
  const params = prepareParams(graph);
  try {
    const target = { mode: problem.mode, classes: problem.classes };
    const result: OriginalEvaluation = {
      val: await scoreOriginal(graph, params, problem.val, target, EVAL_BATCH),
      test: await scoreOriginal(graph, params, problem.test, target, EVAL_BATCH),
      cost: modelCost(graph),
    };
    await putJson(store, key, result, { runId: input.runId, stage: 'evaluateOriginal', inputs: { model: input.modelKey, problem: input.problemKey } });
    return result;
  } finally {
    disposeParams(params);
  }
}

/** The re-engineered model (selected masks + head) on the test split, and its mask-aware cost. */
export async function evaluateReengineered(
  store: ArtifactStore,
  input: { runId: string; modelKey: string; problemKey: string; searchKey: string },
): Promise<ReengineeredEvaluation> {
  const key = contentKey('evaluations', { kind: 'reengineered', search: input.searchKey, problem: input.problemKey, code: ENGINE_CODE_VERSION }, 'reengineered.json');
  if (await store.stat(key)) return getJson<ReengineeredEvaluation>(store, key);
  const graph = await loadGraphFromStore(store, input.modelKey);
  const problem = await getPlain<TargetProblem>(store, input.problemKey);
  const search = await getPlain<StoredSearch>(store, input.searchKey);
  const masks = unpackMaskSet(search.masks.index, search.masks.bin);
  const params = prepareParams(graph);
  try {
    const result: ReengineeredEvaluation = {
      accuracy: await maskedAccuracy(graph, params, masks, search.head, problem.test, EVAL_BATCH),
      wrr: search.selected.wrr,
      cost: modelCost(graph, masks, search.head),
    };
    await putJson(store, key, result, { runId: input.runId, stage: 'evaluateReengineered', inputs: { search: input.searchKey } });
    return result;
  } finally {
    disposeParams(params);
  }
}
