import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { CIFAR10_RECORD } from '../engine/data/cifar10.js';
import { decodeCifarPng, parseLabelsJson, rowsToCifarBatch } from '../engine/data/cifar10-png.js';

/**
 * The npm package stores each image as one 1024-pixel PNG row (HWC, RGB);
 * converting back must produce the official record layout byte for byte.
 */
function pixel(img: number, p: number, c: number): number {
  return (img * 97 + p * 7 + c * 31) % 256; // distinct enough to catch any transposition
}

function tinyPng(images: number, colorType: 2 | 6): Buffer {
  const png = new PNG({ width: 1024, height: images, colorType, inputColorType: 6, inputHasAlpha: true });
  for (let i = 0; i < images; i++) {
    for (let p = 0; p < 1024; p++) {
      const o = (i * 1024 + p) * 4;
      png.data[o] = pixel(i, p, 0);
      png.data[o + 1] = pixel(i, p, 1);
      png.data[o + 2] = pixel(i, p, 2);
      png.data[o + 3] = 255;
    }
  }
  return PNG.sync.write(png, { colorType });
}

function expectedRecords(labels: number[]): Uint8Array {
  const out = new Uint8Array(labels.length * CIFAR10_RECORD);
  labels.forEach((label, i) => {
    out[i * CIFAR10_RECORD] = label;
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < 1024; p++) out[i * CIFAR10_RECORD + 1 + c * 1024 + p] = pixel(i, p, c);
    }
  });
  return out;
}

describe('CIFAR-10 PNG -> binary conversion', () => {
  it.each([2, 6] as const)('gives the expected CHW records (PNG colour type %i)', (colorType) => {
    const rows = decodeCifarPng(tinyPng(3, colorType), 'data_batch_1.png');
    expect(rows.count).toBe(3);
    const bin = rowsToCifarBatch(rows, [4, 0, 9], 'data_batch_1.png');
    expect(Buffer.from(bin).equals(Buffer.from(expectedRecords([4, 0, 9])))).toBe(true);
  });

  it('names the file when the PNG or the labels do not fit', () => {
    const png = new PNG({ width: 512, height: 2 });
    expect(() => decodeCifarPng(PNG.sync.write(png), 'test_batch.png')).toThrow(/^test_batch\.png: 512x2 pixels, expected 1024 wide/);
    expect(() => decodeCifarPng(Buffer.from('not a png'), 'x.png')).toThrow(/^x\.png: not a readable PNG/);
    const rows = decodeCifarPng(tinyPng(2, 2), 'a.png');
    expect(() => rowsToCifarBatch(rows, [1], 'a.png')).toThrow('a.png: 2 images but 1 labels');
    expect(() => rowsToCifarBatch(rows, [1, 12], 'a.png')).toThrow('a.png: label 12 of image 1 is not a class id 0..9');
  });

  it('validates the label JSON', () => {
    expect(parseLabelsJson('[1,2,3]', 'test_lables.json', 3)).toEqual([1, 2, 3]);
    expect(() => parseLabelsJson('[1,2]', 'test_lables.json', 3)).toThrow('test_lables.json: expected an array of 3 labels, got 2');
    expect(() => parseLabelsJson('[1,"x",3]', 't.json', 3)).toThrow('t.json: entry 1 ("x") is not a class id 0..9');
    expect(() => parseLabelsJson('[1,', 't.json', 3)).toThrow(/^t\.json: not valid JSON/);
  });
});
