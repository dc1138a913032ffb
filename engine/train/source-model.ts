/**
 * `seamflow train` as one engine call: load the data, build the architecture,
 * optionally poison it, train with a checkpoint at every epoch (resumable),
 * and write a standard TF.js LayersModel folder with meta.json: dataset,
 * classes, test accuracy and, for a poisoned model, the trigger and its
 * attack success rate on the test split.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadDataset } from '../data/load.js';
import { formatDatasetSpec, parseDatasetSpec } from '../data/spec.js';
import type { Dataset } from '../data/types.js';
import { exportGraph } from '../graph/export.js';
import type { Graph } from '../graph/types.js';
import { decodePlain, encodePlain } from '../plain-codec.js';
import { attackSuccessRate } from '../defect/metrics.js';
import { architectureGraph, channelStats, type Architecture } from './architectures.js';
import { formatPoisonSpec, formatTrigger, poisonSet, validatePoison, withTrigger, type PoisonSpec } from './poison.js';
import { accuracyOf, predictClasses } from './predict.js';
import { fit, type TrainCheckpoint, type TrainEpochRecord, type TrainSettings, type TrainStepInfo } from './train.js';
import { TrainableModel } from './trainable.js';

export interface TrainJob {
  arch: Architecture;
  width?: number;
  data: string;
  limit?: number;
  settings: TrainSettings;
  poison?: PoisonSpec;
  out: string;
  resume?: boolean;
}

export interface TrainedModelMeta {
  kind: 'seamflow-trained-model';
  arch: Architecture;
  width: number;
  dataset: string;
  limit: number | null;
  classes: string[];
  inputShape: [number, number, number];
  testAccuracy: number;
  trainImages: number;
  testImages: number;
  settings: TrainSettings;
  history: TrainEpochRecord[];
  seconds: number;
  poison: null | {
    spec: string;
    trigger: string;
    rate: number;
    target: number;
    poisonedImages: number;
    /** Percent of triggered non-target test images classified as the target. */
    asr: number;
  };
}

export interface TrainJobHooks {
  onData?: (ds: Dataset) => void;
  onStep?: (s: TrainStepInfo, epochs: number) => void;
  onEpoch?: (r: TrainEpochRecord) => void;
  /** Called after resuming with the epochs already done. */
  onResume?: (epochsDone: number) => void;
}

export class TrainJobError extends Error {
  override name = 'TrainJobError';
}

export const CHECKPOINT_FILE = 'checkpoint.bin';

export async function trainSourceModel(job: TrainJob, hooks: TrainJobHooks = {}): Promise<TrainedModelMeta> {
  const spec = formatDatasetSpec(parseDatasetSpec(job.data));
  const ds = await loadDataset(spec, { limit: job.limit });
  hooks.onData?.(ds);
  const { train, test } = ds;
  const classes = ds.classNames.length;
  if (job.poison) validatePoison(job.poison, train, classes);
  const poisoned = job.poison ? poisonSet(train, job.poison, job.settings.seed) : undefined;
  const width = job.width ?? 1;
  const inputShape: [number, number, number] = [train.height, train.width, train.channels];
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ arch: job.arch, width, spec, limit: job.limit ?? null, poison: job.poison ? formatPoisonSpec(job.poison) : null }))
    .digest('hex');

  const ckPath = path.join(job.out, CHECKPOINT_FILE);
  let resumeFrom: TrainCheckpoint | undefined;
  if (job.resume) {
    const bytes = await readFile(ckPath).catch(() => undefined);
    if (!bytes) throw new TrainJobError(`--resume: no checkpoint at ${ckPath}`);
    resumeFrom = decodePlain<TrainCheckpoint>(bytes);
    hooks.onResume?.(resumeFrom.epoch);
  }
  await mkdir(job.out, { recursive: true });

  const graph = await architectureGraph(job.arch, { inputShape, classes, width, normalisation: channelStats(train), seed: job.settings.seed });
  const model = new TrainableModel(graph, {}, resumeFrom?.model);
  let trained: Graph;
  let result: Awaited<ReturnType<typeof fit>>;
  try {
    result = await fit(
      {
        model,
        train: poisoned?.set ?? train,
        numOutputs: classes,
        restamp: poisoned && job.poison ? { indices: poisoned.indices, trigger: job.poison.trigger } : undefined,
      },
      job.settings,
      {
        resumeFrom,
        fingerprint,
        onStep: (s) => hooks.onStep?.(s, job.settings.epochs),
        onEpoch: (r) => hooks.onEpoch?.(r),
        onCheckpoint: async (c) => {
          const tmp = `${ckPath}.tmp`;
          await writeFile(tmp, encodePlain(c));
          await rename(tmp, ckPath);
        },
      },
    );
    trained = model.toGraph();
  } finally {
    model.dispose();
  }

  const testAccuracy = accuracyOf(await predictClasses(trained, test), test.labels);
  let poison: TrainedModelMeta['poison'] = null;
  if (job.poison && poisoned) {
    const triggered = withTrigger(test, job.poison.trigger);
    const asr = attackSuccessRate(await predictClasses(trained, triggered), test.labels, job.poison.target).asr;
    poison = {
      spec: formatPoisonSpec(job.poison),
      trigger: formatTrigger(job.poison.trigger),
      rate: job.poison.rate,
      target: job.poison.target,
      poisonedImages: poisoned.indices.length,
      asr,
    };
  }
  const meta: TrainedModelMeta = {
    kind: 'seamflow-trained-model',
    arch: job.arch,
    width,
    dataset: spec,
    limit: job.limit ?? null,
    classes: ds.classNames,
    inputShape,
    testAccuracy,
    trainImages: train.count,
    testImages: test.count,
    settings: job.settings,
    history: result.history,
    seconds: result.seconds,
    poison,
  };
  await writeGraphFolder(job.out, trained, job.arch);
  await writeFile(path.join(job.out, 'meta.json'), JSON.stringify(meta, null, 2));
  return meta;
}

/** Writes a graph as a standard TF.js LayersModel folder (model.json + weights.bin). */
export async function writeGraphFolder(dir: string, graph: Graph, name?: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const { modelJson, weightData } = exportGraph(graph, { name });
  await writeFile(path.join(dir, 'weights.bin'), weightData);
  await writeFile(path.join(dir, 'model.json'), JSON.stringify(modelJson));
}

/** meta.json of a model folder written by seamflow train, or null when there is none. */
export async function readTrainedMeta(dir: string): Promise<TrainedModelMeta | null> {
  const file = path.join(dir, 'meta.json');
  if (!(await stat(file).catch(() => undefined))) return null;
  try {
    const meta = JSON.parse(await readFile(file, 'utf8')) as TrainedModelMeta;
    return meta && typeof meta === 'object' ? meta : null;
  } catch {
    return null;
  }
}
