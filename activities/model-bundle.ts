import path from 'node:path';
import { importGraph } from '../engine/graph/import.js';
import { ModelInputError, readModelFolder, type ModelJson } from '../engine/graph/model-folder.js';
import type { Graph, WeightTensor } from '../engine/graph/types.js';
import { readTrainedMeta, type TrainedModelMeta } from '../engine/train/source-model.js';
import { encodePlain } from '../engine/plain-codec.js';
import { sha256Hex, type ArtifactStore } from '../infra/artifacts/index.js';
import type { ModelRef } from '../workflows/types.js';
import { getPlain } from './store-codec.js';

/**
 * A model travels between workers as one artifact: model.json plus every
 * weight decoded, plain-encoded and keyed by its own SHA-256, so the same
 * model registered twice (from any path) is stored once. meta.json (written
 * by `seamflow train`: the backdoor trigger, for defect evaluation) travels
 * inside when the folder has one; absent, the bundle's bytes and key are the
 * same as before it was carried.
 */
interface ModelBundle {
  modelJson: ModelJson;
  weights: { name: string; shape: number[]; data: Float32Array }[];
  meta?: TrainedModelMeta;
}

export interface StoredModel {
  graph: Graph;
  meta: TrainedModelMeta | null;
}

export async function registerModelFolder(store: ArtifactStore, model: string): Promise<ModelRef> {
  if (model.startsWith('models/')) {
    const info = await store.stat(model);
    if (!info) throw new ModelInputError(`model artifact ${model} is not in the store`);
    await loadGraphFromStore(store, model); // proves it still imports
    return { modelKey: model, sha256: info.sha256, name: String(info.lineage.name ?? model) };
  }
  const folder = await readModelFolder(model);
  importGraph(folder.modelJson, folder.weights); // unsupported layers fail here, before anything is stored
  const meta = await readTrainedMeta(model);
  const bundle: ModelBundle = {
    modelJson: folder.modelJson,
    weights: [...folder.weights].map(([name, t]) => ({ name, shape: t.shape, data: t.data })),
    ...(meta ? { meta } : {}),
  };
  const bytes = encodePlain(bundle);
  const sha256 = sha256Hex(bytes);
  const modelKey = `models/${sha256.slice(0, 32)}/model.bin`;
  const name = path.basename(path.resolve(model));
  if (!(await store.stat(modelKey))) {
    await store.put(modelKey, bytes, { lineage: { stage: 'registerModel', name, inputs: { source: path.resolve(model) } } });
  }
  return { modelKey, sha256, name };
}

// Decoding a model is cheap next to a search, but evaluation stages ask for the same one repeatedly.
const graphCache = new Map<string, Promise<StoredModel>>();
const GRAPH_CACHE_SIZE = 4;

export async function loadGraphFromStore(store: ArtifactStore, modelKey: string): Promise<Graph> {
  return (await loadModelFromStore(store, modelKey)).graph;
}

/** The graph and the meta.json it was registered with (null for models without one). */
export function loadModelFromStore(store: ArtifactStore, modelKey: string): Promise<StoredModel> {
  const hit = graphCache.get(modelKey);
  if (hit) return hit;
  const loading = getPlain<ModelBundle>(store, modelKey).then((b) => ({
    graph: importGraph(b.modelJson, new Map<string, WeightTensor>(b.weights.map((w) => [w.name, { shape: w.shape, data: w.data }]))),
    meta: b.meta ?? null,
  }));
  loading.catch(() => graphCache.delete(modelKey));
  graphCache.set(modelKey, loading);
  if (graphCache.size > GRAPH_CACHE_SIZE) graphCache.delete(graphCache.keys().next().value!);
  return loading;
}
