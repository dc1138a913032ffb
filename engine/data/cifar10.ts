import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DataFormatError, DataSpecError } from './errors.js';
import { md5Hex, rememberMd5 } from './md5.js';
import { balancedSubsetIndices } from './subset.js';
import type { Dataset, ImageSet } from './types.js';

/**
 * CIFAR-10 in the official binary layout: each batch file is a sequence of
 * 3073-byte records, 1 label byte then 3072 pixel bytes as three 32x32
 * planes (R, G, B), rows top to bottom.
 *
 * Directory layout: `cifar10:DIR` accepts DIR/cifar-10-batches-bin/ (what the
 * official archive extracts to, and what `seamflow data fetch cifar10` writes)
 * or DIR holding the .bin files directly.
 */
export const CIFAR10_SIDE = 32;
export const CIFAR10_PIXELS = CIFAR10_SIDE * CIFAR10_SIDE * 3;
export const CIFAR10_RECORD = 1 + CIFAR10_PIXELS;
export const CIFAR10_SUBDIR = 'cifar-10-batches-bin';
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`);
export const CIFAR10_TEST_FILE = 'test_batch.bin';
export const CIFAR10_FILES = [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE];
export const CIFAR10_RECORDS_PER_FILE = 10_000;

/** MD5 of the official files (from cifar-10-binary.tar.gz). */
export const CIFAR10_MD5: Readonly<Record<string, string>> = {
  'data_batch_1.bin': '5dd7e06a14cb22eb9f671a540d1b7c25',
  'data_batch_2.bin': '5ea93a67294ea407fff1d09f752e9692',
  'data_batch_3.bin': '942cd6a4bcdd0dd3c604fbe906cb4421',
  'data_batch_4.bin': 'ae636b3ba5c66a11e91e8cb52e771fcb',
  'data_batch_5.bin': '53f37980c15c3d472c316c40844f3f0d',
  'test_batch.bin': '803d5f7f4d78ea53de84dbe85f74fb6d',
};

export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
] as const;

/** Content of the official batches.meta.txt: one class name per line, then a blank line. */
export const CIFAR10_META_TEXT = `${CIFAR10_CLASSES.join('\n')}\n\n`;

/** A batch file as raw records (label byte + CHW planes), checked for shape and label range. */
export interface CifarBatch {
  count: number;
  /** The file's bytes, `count` records of CIFAR10_RECORD bytes. */
  records: Uint8Array;
}

export function parseCifarBatch(bytes: Uint8Array, name: string, numClasses = 10): CifarBatch {
  if (bytes.length === 0) throw new DataFormatError(`${name}: empty file`);
  if (bytes.length % CIFAR10_RECORD !== 0) {
    throw new DataFormatError(
      `${name}: size ${bytes.length} is not a multiple of ${CIFAR10_RECORD}-byte records ` +
        `(${Math.floor(bytes.length / CIFAR10_RECORD)} whole records and ${bytes.length % CIFAR10_RECORD} bytes over: truncated or not a CIFAR-10 batch)`,
    );
  }
  const count = bytes.length / CIFAR10_RECORD;
  for (let i = 0; i < count; i++) {
    const label = bytes[i * CIFAR10_RECORD]!;
    if (label >= numClasses) {
      throw new DataFormatError(`${name}: record ${i} has label ${label}, expected 0..${numClasses - 1} (corrupt file?)`);
    }
  }
  return { count, records: bytes };
}

/** Writes record `i` of a batch into `out` at image slot `slot` as NHWC float32 in [0, 1]. */
export function cifarRecordToNhwc(records: Uint8Array, i: number, out: Float32Array, slot: number): void {
  const plane = CIFAR10_SIDE * CIFAR10_SIDE;
  const src = i * CIFAR10_RECORD + 1;
  const dst = slot * CIFAR10_PIXELS;
  for (let p = 0; p < plane; p++) {
    out[dst + 3 * p] = records[src + p]! / 255;
    out[dst + 3 * p + 1] = records[src + plane + p]! / 255;
    out[dst + 3 * p + 2] = records[src + 2 * plane + p]! / 255;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** The folder that holds the .bin files: DIR/cifar-10-batches-bin if present, else DIR itself. */
export async function resolveCifar10Dir(dir: string): Promise<string> {
  const sub = path.join(dir, CIFAR10_SUBDIR);
  if (await exists(path.join(sub, CIFAR10_FILES[0]!))) return sub;
  if (await exists(path.join(dir, CIFAR10_FILES[0]!))) return dir;
  throw new DataSpecError(
    `cifar10:${dir}: no ${CIFAR10_FILES[0]} in ${sub} or ${dir}; run \`seamflow data fetch cifar10 --dir ${dir}\``,
  );
}

export interface LoadOptions {
  /** Cap per split: a class-balanced deterministic subset (see balancedSubsetIndices). */
  limit?: number;
  onProgress?: (done: number, total: number) => void;
  /** Refuse files whose MD5 differs from the official one (default true). */
  verifyChecksums?: boolean;
}

/** Loads CIFAR-10 from DIR (see the layout note above). */
export async function loadCifar10(dir: string, opts: LoadOptions = {}): Promise<Dataset> {
  const binDir = await resolveCifar10Dir(dir);
  const verify = opts.verifyChecksums ?? true;
  const checksums: Record<string, string> = {};
  const readSplit = async (files: string[]) => {
    const batches: CifarBatch[] = [];
    for (const f of files) {
      const file = path.join(binDir, f);
      const bytes = await readFile(file);
      const batch = parseCifarBatch(bytes, f);
      const md5 = md5Hex(bytes);
      await rememberMd5(file, md5);
      if (verify && md5 !== CIFAR10_MD5[f]) {
        throw new DataFormatError(
          `${f}: MD5 ${md5} is not the official ${CIFAR10_MD5[f]} (corrupt or modified); re-fetch with \`seamflow data fetch cifar10\``,
        );
      }
      checksums[f] = md5;
      batches.push(batch);
    }
    return batches;
  };
  const train = await readSplit(CIFAR10_TRAIN_FILES);
  const test = await readSplit([CIFAR10_TEST_FILE]);
  const trainSel = selection(train, opts.limit);
  const testSel = selection(test, opts.limit);
  const total = trainSel.length + testSel.length;
  let done = 0;
  const tick = () => {
    done++;
    if (opts.onProgress && (done % 1000 === 0 || done === total)) opts.onProgress(done, total);
  };
  return {
    name: 'cifar10',
    classNames: [...CIFAR10_CLASSES],
    train: toImageSet(train, trainSel, tick),
    test: toImageSet(test, testSel, tick),
    checksums,
  };
}

/** Global record indices (across the split's files) to keep. */
function selection(batches: CifarBatch[], limit: number | undefined): Int32Array {
  const labels: number[] = [];
  for (const b of batches) for (let i = 0; i < b.count; i++) labels.push(b.records[i * CIFAR10_RECORD]!);
  return balancedSubsetIndices(labels, limit ?? labels.length);
}

function toImageSet(batches: CifarBatch[], sel: Int32Array, tick: () => void): ImageSet {
  const images = new Float32Array(sel.length * CIFAR10_PIXELS);
  const labels = new Int32Array(sel.length);
  const starts: number[] = [];
  let acc = 0;
  for (const b of batches) {
    starts.push(acc);
    acc += b.count;
  }
  let bi = 0;
  for (let slot = 0; slot < sel.length; slot++) {
    const g = sel[slot]!;
    while (bi + 1 < batches.length && g >= starts[bi + 1]!) bi++; // sel is ascending
    const b = batches[bi]!;
    const i = g - starts[bi]!;
    labels[slot] = b.records[i * CIFAR10_RECORD]!;
    cifarRecordToNhwc(b.records, i, images, slot);
    tick();
  }
  return { images, labels, count: sel.length, height: CIFAR10_SIDE, width: CIFAR10_SIDE, channels: 3 };
}
