import { formatDatasetSpec, loadDataset, makeTargetProblem, parseDatasetSpec, type TargetMode } from '../engine/data/index.js';
import { contentKey, type ArtifactStore } from '../infra/artifacts/index.js';
import type { SampledProblem } from '../workflows/types.js';
import { ENGINE_CODE_VERSION } from './code-version.js';
import { getPlain, putPlain } from './store-codec.js';

export interface SampleDatasetInput {
  runId: string;
  data: string;
  target: { mode: TargetMode; classes: number[] };
  seed: number;
  limit?: number;
  valFraction?: number;
}

export interface StoredProblemMeta {
  counts: SampledProblem['counts'];
  classNames: string[];
  checksums: Record<string, string>;
  dataset: string;
}

/**
 * Builds the target problem (train / validation / test, relabelled) once and
 * stores it, keyed by the data's own checksums so changed files never hit a
 * stale cache. Later stages on any worker read it from the store.
 */
export async function sampleDataset(store: ArtifactStore, input: SampleDatasetInput): Promise<SampledProblem> {
  const spec = formatDatasetSpec(parseDatasetSpec(input.data));
  const ds = await loadDataset(spec, { limit: input.limit });
  const inputs = {
    data: spec,
    checksums: ds.checksums,
    target: input.target,
    seed: input.seed,
    limit: input.limit ?? null,
    valFraction: input.valFraction ?? null,
    code: ENGINE_CODE_VERSION,
  };
  const problemKey = contentKey('problems', inputs, 'problem.bin');
  const metaKey = problemMetaKey(problemKey);
  if (await store.stat(problemKey)) return { problemKey, ...(await readProblemMeta(store, problemKey)) };
  const problem = makeTargetProblem(ds, { ...input.target, seed: input.seed, valFraction: input.valFraction });
  const meta: StoredProblemMeta = {
    counts: { train: problem.train.count, val: problem.val.count, test: problem.test.count },
    classNames: ds.classNames,
    checksums: ds.checksums,
    dataset: ds.name,
  };
  const lineage = { runId: input.runId, stage: 'sampleDataset', inputs };
  await putPlain(store, metaKey, meta, lineage);
  await putPlain(store, problemKey, problem, lineage);
  return { problemKey, ...meta };
}

const problemMetaKey = (problemKey: string) => problemKey.replace(/problem\.bin$/, 'meta.bin');

/** Counts, class names, checksums and dataset name of a stored problem (written beside it). */
export function readProblemMeta(store: ArtifactStore, problemKey: string): Promise<StoredProblemMeta> {
  return getPlain<StoredProblemMeta>(store, problemMetaKey(problemKey));
}
