import { buildExports, exportsOfMasked } from '../engine/export/index.js';
import { exportGraph } from '../engine/graph/export.js';
import { unpackMaskSet } from '../engine/masks/mask-file.js';
import { contentKey, type ArtifactStore } from '../infra/artifacts/index.js';
import type { ExportOutcome } from '../workflows/types.js';
import { ENGINE_CODE_VERSION } from './code-version.js';
import { loadGraphFromStore } from './model-bundle.js';
import { loadModelFolderFromStore, putModelFolder } from './model-folder-store.js';
import type { StoredSearch } from './search-masks.js';
import { getJson, getPlain, putJson } from './store-codec.js';

export interface ExportModelInput {
  runId: string;
  modelKey: string;
  searchKey: string;
  /** The finetuneModel stage's tuned masked model (model.json key): exported instead of the search's masks + head. */
  finetunedModelKey?: string;
}

/**
 * The re-engineered model as two standard TF.js LayersModel folders in the
 * store: `masked/` (original architecture, masked weights zeroed, target head)
 * and `compact/` (channels physically removed, proven equal when built).
 * With a fine-tuned model, both come from it (its masked-out weights are
 * zero too, so the same channels go).
 */
export async function exportModel(store: ArtifactStore, input: ExportModelInput): Promise<ExportOutcome> {
  // Runs without fine-tuning keep the key they always had (their exports stay cached).
  const from = { model: input.modelKey, search: input.searchKey, ...(input.finetunedModelKey ? { finetuned: input.finetunedModelKey } : {}) };
  const base = contentKey('exports', { ...from, code: ENGINE_CODE_VERSION }, 'summary.json');
  const dir = base.slice(0, -'summary.json'.length);
  if (await store.stat(base)) return getJson<ExportOutcome>(store, base);

  const graph = await loadGraphFromStore(store, input.modelKey);
  let built;
  if (input.finetunedModelKey) {
    const tuned = await loadModelFolderFromStore(store, input.finetunedModelKey);
    built = exportsOfMasked({ graph: tuned, exported: exportGraph(tuned) }, graph.name);
  } else {
    const search = await getPlain<StoredSearch>(store, input.searchKey);
    built = buildExports({ graph, masks: unpackMaskSet(search.masks.index, search.masks.bin), head: search.head });
  }
  const lineage = { runId: input.runId, stage: 'exportModel', inputs: from };
  const masked = await putModelFolder(store, `${dir}masked`, built.masked, lineage);
  const compact = await putModelFolder(store, `${dir}compact`, built.compact, lineage);
  const outcome: ExportOutcome = {
    maskedModelKey: masked.key,
    compactModelKey: compact.key,
    masked: masked.stats,
    compact: compact.stats,
    removedChannelGroups: built.removal.groups.removed,
    droppedResidualBranches: built.removal.constantBranches.map((b) => b.node),
  };
  await putJson(store, base, outcome, lineage);
  return outcome;
}
