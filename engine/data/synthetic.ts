import { Rng } from '../random.js';
import { DataSpecError } from './errors.js';
import { balancedSubsetIndices, gatherImages } from './subset.js';
import type { Dataset, ImageSet } from './types.js';

/**
 * A small generated image dataset for fast tests: each class has a fixed
 * prototype made of two coloured Gaussian blobs (positions, sizes and colours
 * drawn from the seed); a sample is its class prototype shifted by up to one
 * pixel, with random contrast and Gaussian pixel noise. Deliberately easy at
 * the defaults (a nearest-centroid classifier scores ~100%, a 1-conv net
 * reaches >95% test accuracy in 3-6 epochs), so tests of training and
 * re-engineering code get a well-trained "original" model fast; raise `noise`
 * for a harder set. Everything is a pure function of the parameters.
 */
export interface SyntheticParams {
  classes: number;
  size: number;
  channels: number;
  train: number;
  test: number;
  seed: number;
  /** Standard deviation of the per-pixel Gaussian noise. */
  noise: number;
}

export const SYNTHETIC_DEFAULTS: SyntheticParams = {
  classes: 4,
  size: 8,
  channels: 3,
  train: 256,
  test: 128,
  seed: 1,
  noise: 0.1,
};

const RANGES: Record<keyof SyntheticParams, { min: number; max: number; int: boolean }> = {
  classes: { min: 2, max: 256, int: true },
  size: { min: 4, max: 256, int: true },
  channels: { min: 1, max: 4, int: true },
  train: { min: 1, max: 1_000_000, int: true },
  test: { min: 1, max: 1_000_000, int: true },
  seed: { min: 0, max: 0xffffffff, int: true },
  noise: { min: 0, max: 1, int: false },
};

/** Parses "classes=4,size=8,..." (the part after "synthetic:"); unset keys take the defaults. */
export function parseSyntheticParams(text: string, specForErrors = `synthetic:${text}`): SyntheticParams {
  const params = { ...SYNTHETIC_DEFAULTS };
  const seen = new Set<string>();
  for (const part of text.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim();
    const raw = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (!(key in RANGES)) {
      throw new DataSpecError(
        `spec "${specForErrors}": unknown synthetic parameter "${key}"; known: ${Object.keys(RANGES).join(', ')}`,
      );
    }
    if (seen.has(key)) throw new DataSpecError(`spec "${specForErrors}": "${key}" given twice`);
    seen.add(key);
    const range = RANGES[key as keyof SyntheticParams];
    const value = raw === '' ? Number.NaN : Number(raw);
    if (!Number.isFinite(value) || (range.int && !Number.isInteger(value)) || value < range.min || value > range.max) {
      throw new DataSpecError(
        `spec "${specForErrors}": "${part}" needs ${range.int ? 'an integer' : 'a number'} in ${range.min}..${range.max}`,
      );
    }
    params[key as keyof SyntheticParams] = value;
  }
  return params;
}

/** Canonical text of the parameters (all keys, fixed order): equal params give equal strings. */
export function formatSyntheticParams(p: SyntheticParams): string {
  return (Object.keys(RANGES) as (keyof SyntheticParams)[]).map((k) => `${k}=${p[k]}`).join(',');
}

interface Blob {
  cy: number;
  cx: number;
  sigma: number;
  colour: number[];
}

export function makeSyntheticDataset(p: SyntheticParams, opts: { limit?: number } = {}): Dataset {
  // Independent streams, so the test set does not change when `train` does.
  const protoRng = new Rng(p.seed);
  const prototypes: Float32Array[] = [];
  for (let c = 0; c < p.classes; c++) prototypes.push(makePrototype(p, protoRng));
  let train = sampleSet(p, prototypes, p.train, new Rng((p.seed ^ 0x5eed0001) >>> 0));
  let test = sampleSet(p, prototypes, p.test, new Rng((p.seed ^ 0x5eed0002) >>> 0));
  if (opts.limit !== undefined) {
    train = gatherImages(train, balancedSubsetIndices(train.labels, opts.limit));
    test = gatherImages(test, balancedSubsetIndices(test.labels, opts.limit));
  }
  return {
    name: 'synthetic',
    classNames: Array.from({ length: p.classes }, (_, c) => `class${c}`),
    train,
    test,
    checksums: {},
  };
}

function makePrototype(p: SyntheticParams, rng: Rng): Float32Array {
  const blobs: Blob[] = [];
  for (let b = 0; b < 2; b++) {
    blobs.push({
      cy: (0.15 + 0.7 * rng.next()) * (p.size - 1),
      cx: (0.15 + 0.7 * rng.next()) * (p.size - 1),
      sigma: (0.12 + 0.13 * rng.next()) * p.size,
      // Signed colours: a blob can darken one channel and brighten another.
      colour: Array.from({ length: p.channels }, () => 2 * rng.next() - 1),
    });
  }
  const out = new Float32Array(p.size * p.size * p.channels);
  for (let y = 0; y < p.size; y++) {
    for (let x = 0; x < p.size; x++) {
      for (const b of blobs) {
        const g = Math.exp(-((y - b.cy) ** 2 + (x - b.cx) ** 2) / (2 * b.sigma * b.sigma));
        for (let ch = 0; ch < p.channels; ch++) out[(y * p.size + x) * p.channels + ch]! += 0.45 * b.colour[ch]! * g;
      }
    }
  }
  return out; // deviation from mid-grey 0.5
}

function sampleSet(p: SyntheticParams, prototypes: Float32Array[], n: number, rng: Rng): ImageSet {
  const { size, channels } = p;
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = i % p.classes; // balanced...
  rng.shuffle(labels); // ...in random order
  const per = size * size * channels;
  const images = new Float32Array(n * per);
  for (let i = 0; i < n; i++) {
    const proto = prototypes[labels[i]!]!;
    const dy = rng.int(3) - 1;
    const dx = rng.int(3) - 1;
    const contrast = 0.8 + 0.4 * rng.next();
    for (let y = 0; y < size; y++) {
      const sy = Math.min(size - 1, Math.max(0, y - dy));
      for (let x = 0; x < size; x++) {
        const sx = Math.min(size - 1, Math.max(0, x - dx));
        for (let ch = 0; ch < channels; ch++) {
          const v = 0.5 + contrast * proto[(sy * size + sx) * channels + ch]! + p.noise * rng.normal();
          images[i * per + (y * size + x) * channels + ch] = v < 0 ? 0 : v > 1 ? 1 : v;
        }
      }
    }
  }
  return { images, labels, count: n, height: size, width: size, channels };
}
