import { describe, expect, it } from 'vitest';
import { augmentBatch, batches } from '../engine/data/augment.js';
import { Rng } from '../engine/random.js';
import type { ImageSet } from '../engine/data/types.js';

/** A 4x5 two-channel image whose value encodes its position: (y, x, c) -> 1 + 100y + 10x + c. */
const H = 4;
const W = 5;
const C = 2;
const src = new Float32Array(H * W * C);
for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) src[(y * W + x) * C + c] = 1 + 100 * y + 10 * x + c;
const at = (img: Float32Array, y: number, x: number, c: number) => img[(y * W + x) * C + c];

/** An rng whose draws are scripted, to pin the crop offset and the flip. */
function scripted(values: number[]): Rng {
  const rng = new Rng(0);
  let i = 0;
  rng.next = () => values[i++]!;
  return rng;
}
// With pad p, offsets come from rng.int(2p+1) = floor(next() * (2p+1)), minus p.
const offset = (d: number, pad: number) => (d + pad + 0.5) / (2 * pad + 1);

describe('augmentBatch', () => {
  it('returns a new array of the same shape and leaves the input alone', () => {
    const copy = Float32Array.from(src);
    const out = augmentBatch(src, 1, H, W, C, new Rng(1));
    expect(out).not.toBe(src);
    expect(out.length).toBe(src.length);
    expect(src).toEqual(copy);
  });

  it('crops with zero padding: output (y, x) = input (y + dy, x + dx)', () => {
    const out = augmentBatch(src, 1, H, W, C, scripted([offset(1, 2), offset(-2, 2), 0.9]), { pad: 2 });
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const sy = y + 1;
        const sx = x - 2;
        const inside = sy < H && sx >= 0;
        for (let c = 0; c < C; c++) expect(at(out, y, x, c)).toBe(inside ? at(src, sy, sx, c) : 0);
      }
    }
  });

  it('flips horizontally when the flip draw is below 1/2', () => {
    const out = augmentBatch(src, 1, H, W, C, scripted([offset(0, 4), offset(0, 4), 0.1]));
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) expect(at(out, y, x, c)).toBe(at(src, y, W - 1 - x, c));
    const none = augmentBatch(src, 1, H, W, C, scripted([offset(0, 4), offset(0, 4)]), { flip: false });
    expect(none).toEqual(src);
  });

  it('treats every image of a batch independently and reproducibly for a seed', () => {
    const two = new Float32Array(2 * src.length);
    two.set(src);
    two.set(src, src.length);
    const a = augmentBatch(two, 2, H, W, C, new Rng(5));
    const b = augmentBatch(two, 2, H, W, C, new Rng(5));
    expect(a).toEqual(b);
    expect(a.subarray(0, src.length)).not.toEqual(a.subarray(src.length)); // seed 5 draws differ per image
  });
});

describe('batches', () => {
  const set: ImageSet = {
    images: Float32Array.from({ length: 10 * 2 }, (_, i) => i),
    labels: Int32Array.from({ length: 10 }, (_, i) => i),
    count: 10,
    height: 1,
    width: 1,
    channels: 2,
  };

  it('slices in order without an rng, last batch smaller', () => {
    const got = [...batches(set, 4)];
    expect(got.map((b) => b.count)).toEqual([4, 4, 2]);
    expect([...got[2]!.labels]).toEqual([8, 9]);
    expect([...got[2]!.images]).toEqual([16, 17, 18, 19]);
  });

  it('shuffles with an rng, keeping images and labels together, each image once', () => {
    const got = [...batches(set, 3, new Rng(4))];
    const seen = got.flatMap((b) => [...b.labels]);
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seen).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const b of got) {
      b.labels.forEach((l, k) => {
        expect(b.indices[k]).toBe(l);
        expect(b.images[2 * k]).toBe(2 * l);
      });
    }
  });
});
