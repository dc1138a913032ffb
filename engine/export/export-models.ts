/**
 * Export of a re-engineered model to disk, proven and measured:
 * `target/masked/` (original architecture, masked weights zeroed, head) and
 * `target/compact/` (every removable channel physically gone). Both folders
 * are loaded back with plain tf.loadLayersModel; the compact one is kept only
 * if its outputs equal the masked one's on random inputs. The report holds
 * params, FLOPs, file and gzip sizes, and latency at batch 1/16/64 of the
 * original, masked and compact models measured side by side.
 */
import * as tf from '@tensorflow/tfjs';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { exportGraph, type ExportedModel } from '../graph/export.js';
import { fileSystemHandler } from '../graph/fs-io.js';
import type { Graph } from '../graph/types.js';
import type { LatencyResult } from '../eval/latency.js';
import type { MaskSet } from '../masks/masks.js';
import { Rng } from '../random.js';
import type { HeadData } from '../search/head.js';
import { buildMasked, type BuiltModel } from './build.js';
import { compactGraph, type RemovalSummary } from './compact.js';
import { ExportVerificationError } from './errors.js';
import { measureSideBySide, type SideBySideOptions } from './side-by-side.js';
import { modelStats, type ModelStats } from './stats.js';
import { modelFiles, writeModelFolderAtomic, type ModelFiles } from './write-folder.js';

export interface ExportModelsInput {
  /** The original model. */
  graph: Graph;
  /** Its folder, for its real file sizes and to time it as shipped (else its re-serialisation is used). */
  originalDir?: string;
  /** The masks: the masked model is built from graph + masks + head ... */
  masks?: MaskSet;
  head?: HeadData | null;
  /** ... unless it is given already built (e.g. a run's masked-model/ folder). */
  masked?: Graph;
  /** What the head is, for the report, when only the built masked model is given. */
  headInfo?: ExportReport['head'];
  /** Folder that receives masked/ and compact/. */
  target: string;
  /** false to skip timing. */
  latency?: SideBySideOptions | false;
  verify?: { samples?: number; tolerance?: number; seed?: number };
  onStage?: (stage: 'build' | 'compact' | 'write' | 'verify' | 'latency') => void;
}

export interface ModelReport extends ModelStats {
  /** Folder relative to the export target (absolute for the original). */
  dir: string | null;
  latency: LatencyResult[] | null;
}

export interface Ratios {
  params: number;
  flops: number;
  fileBytes: number;
  gzipBytes: number;
  /** Latency ratio per batch size ("16": 0.4 = 60% less time). */
  latency: Record<string, number> | null;
}

export interface ExportReport {
  version: 1;
  createdAt: string;
  backend: string;
  head: { kind: string; mode: string; classes: number[] } | null;
  models: { original: ModelReport; masked: ModelReport; compact: ModelReport };
  /** compact / original and compact / masked (smaller is better; 1 - ratio is the reduction). */
  ratios: { compactToOriginal: Ratios; compactToMasked: Ratios };
  removal: RemovalSummary;
  verification: { samples: number; maxAbsDiff: number; maxAbsOutput: number; tolerance: number };
  seconds: number;
}

export async function exportModels(input: ExportModelsInput): Promise<ExportReport> {
  const started = performance.now();
  const stage = input.onStage ?? (() => undefined);
  const target = path.resolve(input.target);

  stage('build');
  let masked: BuiltModel;
  if (input.masked) {
    masked = { graph: input.masked, exported: exportGraph(input.masked) };
  } else {
    if (!input.masks) throw new TypeError('exportModels: give masks (and a head) or a built masked model');
    masked = buildMasked({ graph: input.graph, masks: input.masks, head: input.head ?? null });
  }
  stage('compact');
  const compact = compactGraph(masked.graph, { name: `${input.graph.name}_compact` });

  stage('write');
  const maskedDir = path.join(target, 'masked');
  const compactDir = path.join(target, 'compact');
  const maskedFiles = await writeModelFolderAtomic(maskedDir, masked.exported);
  const compactFiles = await writeModelFolderAtomic(compactDir, compact.exported);
  const originalFiles = input.originalDir ? await readModelFiles(input.originalDir) : modelFiles(exportGraph(input.graph));

  // Everything below runs the folders as anyone would: plain tf.loadLayersModel.
  const models: Record<'original' | 'masked' | 'compact', tf.LayersModel> = {
    original: await tf.loadLayersModel(
      input.originalDir ? fileSystemHandler(input.originalDir) : tf.io.fromMemory(artifactsOf(exportGraph(input.graph))),
    ),
    masked: await tf.loadLayersModel(fileSystemHandler(maskedDir)),
    compact: await tf.loadLayersModel(fileSystemHandler(compactDir)),
  };
  try {
    stage('verify');
    const inputShape = input.graph.byName.get(input.graph.input)!.outputShape;
    const verification = compare(models.masked, models.compact, inputShape, input.verify);
    if (!(verification.maxAbsDiff <= verification.tolerance * Math.max(1, verification.maxAbsOutput))) {
      await rm(compactDir, { recursive: true, force: true });
      throw new ExportVerificationError(
        `the compact model differs from the masked model by up to ${verification.maxAbsDiff} ` +
          `(outputs up to ${verification.maxAbsOutput}, tolerance ${verification.tolerance}); it was not kept. This is a bug: please report it with the model`,
      );
    }

    let latency: Record<string, LatencyResult[]> | null = null;
    let backend = tf.getBackend();
    if (input.latency !== false) {
      stage('latency');
      const timed = await measureSideBySide(
        (['original', 'masked', 'compact'] as const).map((name) => ({ name, predict: (x: tf.Tensor) => models[name].predict(x) as tf.Tensor })),
        inputShape,
        input.latency ?? {},
      );
      latency = timed.results;
      backend = timed.backend;
    }

    const report = (dir: string | null, graph: Graph, files: ModelFiles, name: string): ModelReport => ({
      dir,
      ...modelStats(graph, files),
      latency: latency?.[name] ?? null,
    });
    const original = report(input.originalDir ? path.resolve(input.originalDir) : null, input.graph, originalFiles, 'original');
    const maskedReport = report('masked', masked.graph, maskedFiles, 'masked');
    const compactReport = report('compact', compact.graph, compactFiles, 'compact');
    const head = input.head ? { kind: input.head.kind, mode: input.head.mode, classes: input.head.classes.slice() } : (input.headInfo ?? null);
    return {
      version: 1,
      createdAt: new Date().toISOString(),
      backend,
      head,
      models: { original, masked: maskedReport, compact: compactReport },
      ratios: { compactToOriginal: ratios(compactReport, original), compactToMasked: ratios(compactReport, maskedReport) },
      removal: compact.summary,
      verification,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    Object.values(models).forEach((m) => m.dispose());
  }
}

function ratios(a: ModelReport, b: ModelReport): Ratios {
  const r = (x: number, y: number) => (y === 0 ? 1 : x / y);
  let latency: Record<string, number> | null = null;
  if (a.latency && b.latency) {
    latency = {};
    for (const l of a.latency) {
      const base = b.latency.find((m) => m.batchSize === l.batchSize);
      if (base) latency[String(l.batchSize)] = r(l.medianMs, base.medianMs);
    }
  }
  return { params: r(a.params, b.params), flops: r(a.flops, b.flops), fileBytes: r(a.fileBytes, b.fileBytes), gzipBytes: r(a.gzipBytes, b.gzipBytes), latency };
}

/** Largest output difference of two models on seeded uniform [0, 1) inputs. */
function compare(
  a: tf.LayersModel,
  b: tf.LayersModel,
  inputShape: number[],
  opts: ExportModelsInput['verify'] = {},
): ExportReport['verification'] {
  const samples = opts.samples ?? 16;
  const rng = new Rng(opts.seed ?? 12345);
  const per = inputShape.reduce((p, q) => p * q, 1);
  const data = Float32Array.from({ length: samples * per }, () => rng.next());
  const [diff, scale] = tf.tidy(() => {
    const x = tf.tensor(data, [samples, ...inputShape]);
    const ya = a.predict(x) as tf.Tensor;
    const yb = b.predict(x) as tf.Tensor;
    if (ya.shape.join() !== yb.shape.join()) {
      throw new ExportVerificationError(`the compact model's output shape [${yb.shape.join(', ')}] differs from the masked model's [${ya.shape.join(', ')}]`);
    }
    return [tf.max(tf.abs(tf.sub(ya, yb))).dataSync()[0]!, tf.max(tf.abs(ya)).dataSync()[0]!];
  });
  return { samples, maxAbsDiff: diff, maxAbsOutput: scale, tolerance: opts.tolerance ?? 1e-4 };
}

async function readModelFiles(dir: string): Promise<ModelFiles> {
  const modelJson = await readFile(path.join(dir, 'model.json'));
  const json = JSON.parse(modelJson.toString('utf8')) as { weightsManifest?: { paths: string[] }[] };
  const shards: Buffer[] = [];
  for (const p of (json.weightsManifest ?? []).flatMap((g) => g.paths)) shards.push(await readFile(path.join(dir, p)));
  return { modelJson, weights: Buffer.concat(shards) };
}

/** An in-memory export as TF.js model artifacts, for tf.io.fromMemory. */
export function artifactsOf(exported: ExportedModel): tf.io.ModelArtifacts {
  const w = exported.weightData;
  return {
    modelTopology: exported.modelJson.modelTopology,
    weightSpecs: exported.modelJson.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
    weightData: w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength) as ArrayBuffer,
    format: 'layers-model',
  };
}
