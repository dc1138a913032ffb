/**
 * Export of a run folder written by `seamflow reengineer`:
 *   report.json            model.dir (the original), target, settings.head
 *   masks/masks.json+.bin  the selected masks (engine/masks/mask-file.ts)
 *   masked-model/          the masked model with its head
 * adds masked/ and compact/ next to them and the `export` section to
 * report.json (re-read just before writing, every other field kept; written
 * atomically). The masks are checked against the original model and against
 * the masked model's zeros, so a folder mixed from two runs is refused.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../data/atomic-write.js';
import { loadGraph } from '../graph/import.js';
import type { Graph } from '../graph/types.js';
import { unpackMaskSet, type MaskIndex } from '../masks/mask-file.js';
import type { MaskSet } from '../masks/masks.js';
import { RunFolderError } from './errors.js';
import { exportModels, type ExportModelsInput, type ExportReport } from './export-models.js';
import { validateMaskSet } from './validate.js';

export interface ExportRunOptions extends Pick<ExportModelsInput, 'latency' | 'verify' | 'onStage'> {
  /** The original model folder, when report.json does not name it (or names a moved one). */
  modelDir?: string;
}

type Json = Record<string, unknown>;

export async function exportRun(runDir: string, opts: ExportRunOptions = {}): Promise<ExportReport> {
  const dir = path.resolve(runDir);
  const reportFile = path.join(dir, 'report.json');
  const runReport = await readJson(reportFile, 'report.json');
  const files = (runReport.files ?? {}) as Json;
  const model = (runReport.model ?? {}) as Json;
  const named = opts.modelDir ?? (typeof model.dir === 'string' ? model.dir : typeof runReport.model === 'string' ? runReport.model : undefined);
  if (!named) throw new RunFolderError(`${reportFile} does not name the original model (model.dir); pass it explicitly`);
  const originalDir = path.resolve(dir, named);
  const graph = await loadGraph(originalDir);

  const masksJson = path.join(dir, typeof files.masks === 'string' ? files.masks : 'masks/masks.json');
  const masksBin = path.join(dir, typeof files.masksBin === 'string' ? files.masksBin : 'masks/masks.bin');
  const index = (await readJson(masksJson, 'mask index')) as unknown as MaskIndex;
  const bin = await readFile(masksBin).catch(() => {
    throw new RunFolderError(`${masksBin} is missing`);
  });
  let masks: MaskSet;
  try {
    masks = unpackMaskSet(index, new Uint8Array(bin));
  } catch (err) {
    throw new RunFolderError(`${masksJson}: ${(err as Error).message}`);
  }
  validateMaskSet(graph, masks);

  const maskedDir = path.join(dir, path.dirname(typeof files.maskedModel === 'string' ? files.maskedModel : 'masked-model/model.json'));
  if (!(await stat(path.join(maskedDir, 'model.json')).catch(() => undefined))) {
    throw new RunFolderError(`${maskedDir} has no model.json: the run's masked model (with its head) is needed`);
  }
  const masked = await loadGraph(maskedDir);
  checkZeros(masked, masks, maskedDir);

  const target = (runReport.target ?? {}) as Json;
  const settings = (runReport.settings ?? {}) as Json;
  const report = await exportModels({
    graph,
    originalDir,
    masks,
    masked,
    headInfo:
      typeof settings.head === 'string' && typeof target.mode === 'string' && Array.isArray(target.classes)
        ? { kind: settings.head, mode: target.mode, classes: target.classes as number[] }
        : null,
    target: dir,
    latency: opts.latency,
    verify: opts.verify,
    onStage: opts.onStage,
  });
  const latest = await readJson(reportFile, 'report.json');
  await writeFileAtomic(reportFile, JSON.stringify({ ...latest, export: report }, null, 2));
  return report;
}

async function readJson(file: string, what: string): Promise<Json> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new RunFolderError(`${what} not found: ${file} (is this a folder written by seamflow reengineer?)`);
  });
  try {
    const v = JSON.parse(text) as unknown;
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object');
    return v as Json;
  } catch (err) {
    throw new RunFolderError(`${file} is not valid: ${(err as Error).message}`);
  }
}

/** Every weight a mask removes must be zero in the run's masked model. */
function checkZeros(masked: Graph, masks: MaskSet, where: string): void {
  masks.specs.forEach((spec, i) => {
    const m = masks.masks[i]!;
    const roles = spec.role === 'filter' ? (spec.hasBias ? (['kernel', 'bias'] as const) : (['kernel'] as const)) : [spec.role];
    for (const role of roles) {
      const w = masked.byName.get(spec.node)?.weights[role];
      if (!w) throw new RunFolderError(`${where} has no ${spec.node}/${role}, which the masks cover: masks and model are from different runs`);
      for (let j = 0; j < w.data.length; j++) {
        if (w.data[j] !== 0 && !m[j % m.length]) {
          throw new RunFolderError(`${where}: ${spec.node}/${role}[${j}] is not zero although masked out: masks and model are from different runs`);
        }
      }
    }
  });
}
