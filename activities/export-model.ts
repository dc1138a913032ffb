import { buildExports, modelFiles, modelStats, type BuiltModel } from '../engine/export/index.js';
import { unpackMaskSet } from '../engine/masks/mask-file.js';
import { contentKey, type ArtifactStore, type Lineage } from '../infra/artifacts/index.js';
import type { ExportOutcome } from '../workflows/types.js';
import { ENGINE_CODE_VERSION } from './code-version.js';
import { loadGraphFromStore } from './model-bundle.js';
import type { StoredSearch } from './search-masks.js';
import { getJson, getPlain, putJson } from './store-codec.js';

/**
 * The re-engineered model as two standard TF.js LayersModel folders in the
 * store: `masked/` (original architecture, masked weights zeroed, target head)
 * and `compact/` (channels physically removed, proven equal when built).
 * Each folder's model.json is written after its weights, so a reader that
 * finds model.json finds a whole model.
 */
export async function exportModel(store: ArtifactStore, input: { runId: string; modelKey: string; searchKey: string }): Promise<ExportOutcome> {
  const base = contentKey('exports', { model: input.modelKey, search: input.searchKey, code: ENGINE_CODE_VERSION }, 'summary.json');
  const dir = base.slice(0, -'summary.json'.length);
  if (await store.stat(base)) return getJson<ExportOutcome>(store, base);

  const graph = await loadGraphFromStore(store, input.modelKey);
  const search = await getPlain<StoredSearch>(store, input.searchKey);
  const masks = unpackMaskSet(search.masks.index, search.masks.bin);
  const built = buildExports({ graph, masks, head: search.head });
  const lineage = { runId: input.runId, stage: 'exportModel', inputs: { model: input.modelKey, search: input.searchKey } };
  const masked = await putModelFolder(store, `${dir}masked`, built.masked, lineage);
  const compact = await putModelFolder(store, `${dir}compact`, built.compact, lineage);
  const outcome: ExportOutcome = {
    maskedModelKey: masked.key,
    compactModelKey: compact.key,
    masked: masked.stats,
    compact: compact.stats,
    removedChannelGroups: built.removal.groups.removed,
  };
  await putJson(store, base, outcome, lineage);
  return outcome;
}

async function putModelFolder(store: ArtifactStore, folder: string, model: BuiltModel, lineage: Lineage) {
  const files = modelFiles(model.exported);
  await store.put(`${folder}/weights.bin`, files.weights, { lineage });
  await store.put(`${folder}/model.json`, files.modelJson, { lineage, contentType: 'application/json' });
  const s = modelStats(model.graph, files);
  return { key: `${folder}/model.json`, stats: { params: s.params, flops: s.flops, fileBytes: s.fileBytes, gzipBytes: s.gzipBytes } };
}
