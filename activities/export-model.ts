import { exportMaskedModel } from '../engine/export/masked-model.js';
import { unpackMaskSet } from '../engine/masks/mask-file.js';
import { contentKey, type ArtifactStore } from '../infra/artifacts/index.js';
import type { ExportOutcome } from '../workflows/types.js';
import { ENGINE_CODE_VERSION } from './code-version.js';
import { loadGraphFromStore } from './model-bundle.js';
import type { StoredSearch } from './search-masks.js';
import { getPlain, putJson } from './store-codec.js';

/**
 * The re-engineered model as a standard TF.js LayersModel folder in the
 * store (`.../masked/model.json` + `weights.bin`): same architecture, masked
 * weights zeroed, the head appended. model.json is written last: a reader
 * that sees it finds its weights.
 */
export async function exportModel(
  store: ArtifactStore,
  input: { runId: string; modelKey: string; searchKey: string },
): Promise<ExportOutcome> {
  const base = contentKey('exports', { model: input.modelKey, search: input.searchKey, code: ENGINE_CODE_VERSION }, 'masked');
  const modelJsonKey = `${base}/model.json`;
  if (await store.stat(modelJsonKey)) return { maskedModelKey: modelJsonKey };
  const graph = await loadGraphFromStore(store, input.modelKey);
  const search = await getPlain<StoredSearch>(store, input.searchKey);
  const masks = unpackMaskSet(search.masks.index, search.masks.bin);
  const exported = exportMaskedModel(graph, masks, search.head);
  const lineage = { runId: input.runId, stage: 'exportModel', inputs: { model: input.modelKey, search: input.searchKey } };
  await store.put(`${base}/weights.bin`, exported.weightData, { lineage });
  await putJson(store, modelJsonKey, exported.modelJson, lineage);
  return { maskedModelKey: modelJsonKey };
}
