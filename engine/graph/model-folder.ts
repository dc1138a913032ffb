/**
 * Reading and writing a TF.js LayersModel folder (model.json + binary weight
 * shards) as plain data, without going through tf.loadLayersModel: the engine
 * imports the topology into its own graph and needs the raw weights by name.
 */
import { readFile, stat, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { WeightTensor } from './types.js';

/** A problem with the caller's input (missing files, unsupported layers): not worth retrying. */
export class ModelInputError extends Error {
  override name = 'ModelInputError';
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; min?: number; scale?: number };
}

export interface WeightsGroup {
  paths: string[];
  weights: WeightSpec[];
}

export interface ModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: Record<string, unknown>;
  weightsManifest: WeightsGroup[];
  [key: string]: unknown;
}

export interface ModelFolder {
  modelJson: ModelJson;
  /** Every weight by its manifest name, decoded to float32. */
  weights: Map<string, WeightTensor>;
}

export async function readModelFolder(dir: string): Promise<ModelFolder> {
  const st = await stat(dir).catch(() => undefined);
  if (!st) throw new ModelInputError(`model folder ${dir} does not exist`);
  if (!st.isDirectory()) throw new ModelInputError(`model folder ${dir} is not a folder`);
  const jsonPath = path.join(dir, 'model.json');
  const text = await readFile(jsonPath, 'utf8').catch(() => undefined);
  if (text === undefined) throw new ModelInputError(`model folder ${dir} has no model.json`);
  let modelJson: ModelJson;
  try {
    modelJson = JSON.parse(text) as ModelJson;
  } catch (err) {
    throw new ModelInputError(`${jsonPath} is not valid JSON: ${(err as Error).message}`);
  }
  if (!modelJson || typeof modelJson !== 'object' || !modelJson.modelTopology) {
    throw new ModelInputError(`${jsonPath} has no modelTopology (is it a TF.js LayersModel?)`);
  }
  if (modelJson.format && modelJson.format !== 'layers-model') {
    throw new ModelInputError(`${jsonPath} is a "${modelJson.format}", not a TF.js LayersModel ("layers-model")`);
  }
  const manifest = modelJson.weightsManifest ?? [];
  const weights = new Map<string, WeightTensor>();
  for (const group of manifest) {
    const parts: Buffer[] = [];
    for (const p of group.paths) {
      const file = path.join(dir, p);
      const buf = await readFile(file).catch(() => undefined);
      if (!buf) throw new ModelInputError(`weight shard ${file} listed in model.json is missing`);
      parts.push(buf);
    }
    decodeGroup(group, Buffer.concat(parts), weights, dir);
  }
  return { modelJson, weights };
}

const bytesPer: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

function decodeGroup(group: WeightsGroup, buf: Buffer, out: Map<string, WeightTensor>, dir: string): void {
  let offset = 0;
  for (const spec of group.weights) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const storedType = spec.quantization?.dtype ?? spec.dtype;
    const width = bytesPer[storedType];
    if (!width) throw new ModelInputError(`weight ${spec.name}: unsupported dtype ${storedType}`);
    const size = count * width;
    if (offset + size > buf.length) {
      throw new ModelInputError(
        `weight shards of ${dir} are truncated: ${spec.name} needs bytes ${offset}..${offset + size} of ${buf.length}`,
      );
    }
    // Copy into an aligned buffer: shard slices are not 4-byte aligned in general.
    const bytes = new Uint8Array(size);
    bytes.set(buf.subarray(offset, offset + size));
    offset += size;
    out.set(spec.name, { shape: spec.shape.slice(), data: decodeValues(bytes.buffer, storedType, spec) });
  }
}

function decodeValues(ab: ArrayBuffer, storedType: string, spec: WeightSpec): Float32Array {
  const q = spec.quantization;
  switch (storedType) {
    case 'float32':
      return new Float32Array(ab);
    case 'int32':
      return Float32Array.from(new Int32Array(ab));
    case 'float16':
      return Float32Array.from(new Uint16Array(ab), halfToFloat);
    case 'uint8':
    case 'uint16': {
      const raw = storedType === 'uint8' ? new Uint8Array(ab) : new Uint16Array(ab);
      const scale = q?.scale ?? 1;
      const min = q?.min ?? 0;
      return Float32Array.from(raw, (v) => v * scale + min);
    }
    default:
      throw new ModelInputError(`weight ${spec.name}: unsupported dtype ${storedType}`);
  }
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Writes model.json plus one shard `weights.bin` holding `weights` in order (float32). */
export async function writeModelFolder(
  dir: string,
  modelJsonWithoutManifest: { modelTopology: Record<string, unknown>; [key: string]: unknown },
  weights: { name: string; tensor: WeightTensor }[],
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const { manifest, data } = packWeights(weights);
  const modelJson: ModelJson = { ...modelJsonWithoutManifest, weightsManifest: manifest };
  await writeFile(path.join(dir, 'weights.bin'), data);
  await writeFile(path.join(dir, 'model.json'), JSON.stringify(modelJson));
}

export function packWeights(weights: { name: string; tensor: WeightTensor }[]): {
  manifest: WeightsGroup[];
  data: Uint8Array;
} {
  const total = weights.reduce((a, w) => a + w.tensor.data.length, 0);
  const all = new Float32Array(total);
  let o = 0;
  for (const w of weights) {
    all.set(w.tensor.data, o);
    o += w.tensor.data.length;
  }
  return {
    manifest: [
      {
        paths: ['weights.bin'],
        weights: weights.map((w) => ({ name: w.name, shape: w.tensor.shape.slice(), dtype: 'float32' })),
      },
    ],
    data: new Uint8Array(all.buffer),
  };
}
