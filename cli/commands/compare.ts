import * as tf from '@tensorflow/tfjs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataError } from '../../engine/data/errors.js';
import { loadDataset } from '../../engine/data/load.js';
import { parseDatasetSpec } from '../../engine/data/spec.js';
import { makeTargetProblem, parseClassList } from '../../engine/data/target.js';
import type { ImageSet, TargetMode } from '../../engine/data/types.js';
import { modelCost } from '../../engine/eval/cost.js';
import type { LatencyResult } from '../../engine/eval/latency.js';
import { measureSideBySide } from '../../engine/export/side-by-side.js';
import { fileSystemHandler } from '../../engine/graph/fs-io.js';
import { loadGraph } from '../../engine/graph/import.js';
import { initBackend } from '../../infra/backend/index.js';
import { logger } from '../../infra/log.js';
import { backendFlag, intFlag, oneOf, parseCommandLine, parseLatencyFlags, positiveInt, usage } from '../flags.js';
import { formatBytes, formatTable, pct } from '../format.js';
import { createProgressBar } from '../progress.js';
import { UsageError } from '../usage-error.js';

export const summary = 'Compare TF.js models side by side: accuracy, size and latency';

const HELP = `Usage: seamflow compare --model A --model B [--model C ...] --data SPEC [options]

Loads each folder with plain tf.loadLayersModel and prints, side by side:
test accuracy, parameters, FLOPs, file and gzip size, and latency measured
in one process (models interleaved, median of the runs).

  --model DIR          a TF.js LayersModel folder (repeat; at least two)
  --data SPEC          cifar10:DIR | mnist:DIR | fashion-mnist[:DIR] | synthetic[:k=v,...]
  --target CLASSES     score on a target problem's test split: one class (binary) or a list
  --mode M             binary | multiclass (default: binary for one class, else multiclass)
  --seed S             seed of the target problem's split, as given to reengineer  [0]
  --limit N            cap the images of each split (class-balanced)
  --batch-sizes LIST   latency batch sizes  [1,16,64]
  --runs N             timed runs per batch size and model  [10]
  --warmup N           [3]
  --no-latency         skip timing
  --json               print the comparison as JSON
  --backend B          tensorflow | wasm | cpu (default: best available)

A model with one output per dataset class is scored as the original (binary:
a hit when (prediction == t) equals (label == t)); a model with the target
problem's outputs is scored against the relabelled classes (t -> 0, rest -> 1;
or the listed classes in order).`;

export interface ComparedModel {
  dir: string;
  name: string;
  outputs: number;
  params: number;
  flops: number | null;
  fileBytes: number;
  gzipBytes: number;
  accuracy: number | null;
  scoredAs: 'original' | 'target' | null;
  latency: LatencyResult[] | null;
}

export async function run(argv: string[]): Promise<number> {
  const values = parseCommandLine(
    argv,
    {
      model: { type: 'string', multiple: true },
      data: { type: 'string' },
      target: { type: 'string' },
      mode: { type: 'string' },
      seed: { type: 'string' },
      limit: { type: 'string' },
      'batch-sizes': { type: 'string' },
      runs: { type: 'string' },
      warmup: { type: 'string' },
      'no-latency': { type: 'boolean' },
      json: { type: 'boolean' },
      backend: { type: 'string' },
    },
    HELP,
  );
  if (!values) return 0;
  const dirs = (values.model ?? []).map((d) => path.resolve(d));
  if (dirs.length < 2) throw new UsageError('give at least two --model folders to compare');
  if (!values.data) throw new UsageError('--data is required (see --help)');
  const spec = usage(() => parseDatasetSpec(values.data!));
  const latency = parseLatencyFlags(values);
  const limit = positiveInt('limit', values.limit);
  const seed = intFlag('seed', values.seed, 0) ?? 0;
  const targetMode = oneOf<TargetMode>('mode', values.mode, ['binary', 'multiclass']);
  if (targetMode && !values.target) throw new UsageError('--mode needs --target');
  const backendName = backendFlag(values.backend);
  const log = logger('compare');
  const backend = await initBackend(backendName ? { backend: backendName } : {});

  const models: tf.LayersModel[] = [];
  try {
    for (const dir of dirs) {
      models.push(
        await tf.loadLayersModel(fileSystemHandler(dir)).catch((err: Error) => {
          throw new UsageError(`cannot load ${dir} as a TF.js LayersModel: ${err.message}`);
        }),
      );
    }
    const inputShape = models[0]!.inputs[0]!.shape.slice(1) as number[];
    for (const [i, m] of models.entries()) {
      const s = m.inputs[0]!.shape.slice(1);
      if (s.join() !== inputShape.join()) throw new UsageError(`${dirs[i]} takes input [${s.join(', ')}], ${dirs[0]} takes [${inputShape.join(', ')}]`);
    }

    const dataset = await loadDataset(spec, { limit }).catch((err: Error) => {
      throw err instanceof DataError ? new UsageError(err.message) : err;
    });
    const shape = [dataset.test.height, dataset.test.width, dataset.test.channels];
    if (shape.join() !== inputShape.join()) throw new UsageError(`the models take [${inputShape.join(', ')}] but ${dataset.name} images are [${shape.join(', ')}]`);
    const C = dataset.classNames.length;
    let set: ImageSet & { originalLabels?: Int32Array } = dataset.test;
    let target: { mode: TargetMode; classes: number[]; numOutputs: number } | null = null;
    if (values.target) {
      const classes = usage(() => parseClassList(values.target!, C));
      const mode = targetMode ?? (classes.length === 1 ? 'binary' : 'multiclass');
      const problem = usage(() => makeTargetProblem(dataset, { mode, classes, seed }));
      set = problem.test;
      target = { mode, classes, numOutputs: problem.numOutputs };
    }

    const results: ComparedModel[] = [];
    const bar = createProgressBar('accuracy', models.length * set.count);
    for (const [i, m] of models.entries()) {
      const dir = dirs[i]!;
      const outputs = m.outputs[0]!.shape[m.outputs[0]!.shape.length - 1]!;
      const files = await modelFileBytes(dir);
      const flops = await loadGraph(dir).then(
        (g) => modelCost(g).flops,
        () => null,
      );
      const scored = await accuracyOf(m, set, C, target, outputs, (done) => bar.update(i * set.count + done));
      results.push({ dir, name: path.basename(dir), outputs, params: m.countParams(), flops, ...files, ...scored, latency: null });
    }
    bar.finish();

    if (latency !== false) {
      log.info(`timing on ${backend.name} (${backend.detail})`);
      const timed = await measureSideBySide(
        models.map((m, i) => ({ name: String(i), predict: (x: tf.Tensor) => m.predict(x) as tf.Tensor })),
        inputShape,
        latency,
      );
      results.forEach((r, i) => (r.latency = timed.results[String(i)]!));
    }

    if (values.json) {
      console.log(JSON.stringify({ backend: backend.name, data: values.data, target, images: set.count, models: results }, null, 2));
    } else {
      console.log(formatComparison(results, backend.name, set.count, target));
    }
    return 0;
  } finally {
    models.forEach((m) => m.dispose());
  }
}

async function accuracyOf(
  model: tf.LayersModel,
  set: ImageSet & { originalLabels?: Int32Array },
  numClasses: number,
  target: { mode: TargetMode; classes: number[]; numOutputs: number } | null,
  outputs: number,
  progress: (done: number) => void,
): Promise<{ accuracy: number | null; scoredAs: ComparedModel['scoredAs'] }> {
  // The relabelled target problem first: a re-engineered model has its outputs.
  const scoredAs = target && outputs === target.numOutputs ? 'target' : outputs === numClasses ? 'original' : null;
  if (!scoredAs || set.count === 0) return { accuracy: null, scoredAs };
  const per = set.height * set.width * set.channels;
  let hits = 0;
  for (let start = 0; start < set.count; start += 256) {
    const count = Math.min(256, set.count - start);
    const pred = tf.tidy(() => {
      const x = tf.tensor4d(set.images.subarray(start * per, (start + count) * per), [count, set.height, set.width, set.channels]);
      return tf.argMax(model.predict(x) as tf.Tensor, -1);
    });
    const p = (await pred.data()) as Int32Array;
    pred.dispose();
    for (let k = 0; k < count; k++) {
      const i = start + k;
      if (scoredAs === 'target' || !target) hits += p[k] === set.labels[i] ? 1 : 0;
      else {
        const y = set.originalLabels![i]!;
        if (target.mode === 'binary') hits += (p[k] === target.classes[0]) === (y === target.classes[0]) ? 1 : 0;
        else hits += p[k] === y ? 1 : 0;
      }
    }
    progress(start + count);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { accuracy: hits / set.count, scoredAs };
}

async function modelFileBytes(dir: string): Promise<{ fileBytes: number; gzipBytes: number }> {
  const json = await readFile(path.join(dir, 'model.json'));
  const manifest = (JSON.parse(json.toString('utf8')) as { weightsManifest?: { paths: string[] }[] }).weightsManifest ?? [];
  let fileBytes = json.length;
  let gzipBytes = gzipSync(json).length;
  for (const p of manifest.flatMap((g) => g.paths)) {
    const b = await readFile(path.join(dir, p));
    fileBytes += b.length;
    gzipBytes += gzipSync(b).length;
  }
  return { fileBytes, gzipBytes };
}

export function formatComparison(
  results: ComparedModel[],
  backend: string,
  images: number,
  target: { mode: TargetMode; classes: number[] } | null,
): string {
  const sizes = results[0]?.latency?.map((l) => l.batchSize) ?? [];
  const base = results[0]!;
  const rows = [
    ['model', 'outputs', 'accuracy', 'params', 'MFLOPs', 'size', 'gzip', ...sizes.map((b) => `ms@${b}`), ...(sizes.length ? [`vs ${base.name}`] : [])],
  ];
  for (const r of results) {
    const mid = sizes.includes(16) ? 16 : sizes[sizes.length - 1];
    const mine = r.latency?.find((l) => l.batchSize === mid);
    const theirs = base.latency?.find((l) => l.batchSize === mid);
    rows.push([
      r.name,
      String(r.outputs),
      r.accuracy === null ? '-' : pct(r.accuracy),
      String(r.params),
      r.flops === null ? '-' : (r.flops / 1e6).toFixed(2),
      formatBytes(r.fileBytes),
      formatBytes(r.gzipBytes),
      ...sizes.map((b) => r.latency?.find((l) => l.batchSize === b)?.medianMs.toFixed(1) ?? '-'),
      ...(sizes.length ? [mine && theirs ? `${(mine.medianMs / theirs.medianMs).toFixed(2)}x@${mid}` : '-'] : []),
    ]);
  }
  const what = target ? `${target.mode} [${target.classes.join(', ')}] test split` : 'test split';
  return `${formatTable(rows)}\naccuracy on ${images} images of the ${what}; latency median on ${backend}`;
}
