import { importExported, modelFiles, modelStats, type BuiltModel } from '../engine/export/index.js';
import type { ModelJson } from '../engine/graph/model-folder.js';
import type { Graph } from '../engine/graph/types.js';
import type { ArtifactStore, Lineage } from '../infra/artifacts/index.js';
import type { ExportedModelStats } from '../workflows/types.js';

/**
 * A standard TF.js LayersModel folder (model.json + one weights.bin shard) in
 * the store. model.json is written after its weights, so a reader that finds
 * model.json finds a whole model.
 */
export async function putModelFolder(store: ArtifactStore, folder: string, model: BuiltModel, lineage: Lineage): Promise<{ key: string; stats: ExportedModelStats }> {
  const files = modelFiles(model.exported);
  await store.put(`${folder}/weights.bin`, files.weights, { lineage });
  await store.put(`${folder}/model.json`, files.modelJson, { lineage, contentType: 'application/json' });
  const s = modelStats(model.graph, files);
  return { key: `${folder}/model.json`, stats: { params: s.params, flops: s.flops, fileBytes: s.fileBytes, gzipBytes: s.gzipBytes } };
}

/** A folder written by putModelFolder, back as a graph (by its model.json key). */
export async function loadModelFolderFromStore(store: ArtifactStore, modelJsonKey: string): Promise<Graph> {
  const folder = modelJsonKey.slice(0, -'model.json'.length);
  const modelJson = JSON.parse((await store.get(modelJsonKey)).toString('utf8')) as ModelJson;
  const weightData = await store.get(`${folder}weights.bin`);
  return importExported({ modelJson, weightData });
}
