// Backdoor poisoning: spec parsing with clear messages, exact trigger stamping,
// exactly the requested fraction poisoned and relabelled.
import { describe, expect, it } from 'vitest';
import { makeSyntheticDataset, SYNTHETIC_DEFAULTS } from '../engine/data/synthetic.js';
import { formatPoisonSpec, parsePoisonSpec, poisonSet, stampTrigger, validatePoison, withTrigger } from '../engine/train/poison.js';

describe('--poison spec', () => {
  it('parses the documented form and formats it back', () => {
    const p = parsePoisonSpec('trigger=patch:3x3:bottom-right,rate=0.05,target=0');
    expect(p).toEqual({ trigger: { kind: 'patch', height: 3, width: 3, corner: 'bottom-right' }, rate: 0.05, target: 0 });
    expect(parsePoisonSpec(formatPoisonSpec(p))).toEqual(p);
  });

  it.each([
    ['rate=0.05,target=0', /missing trigger=/],
    ['trigger=patch:3x3:bottom-right,target=0', /missing rate=/],
    ['trigger=patch:3x3:bottom-right,rate=0.05', /missing target=/],
    ['trigger=square:3,rate=0.05,target=0', /is not patch:HxW:CORNER/],
    ['trigger=patch:3x3:middle,rate=0.05,target=0', /corner must be one of/],
    ['trigger=patch:3x3:top-left,rate=1.5,target=0', /rate must be a number in \(0, 1\)/],
    ['trigger=patch:3x3:top-left,rate=0.1,target=-1', /target must be a class id/],
    ['trigger=patch:3x3:top-left,rate=0.1,target=0,colour=red', /unknown key "colour"/],
    ['trigger=patch:3x3:top-left,rate=0.1,rate=0.2,target=0', /"rate" given twice/],
    ['garbage', /is not key=value/],
  ])('refuses %s', (text, message) => {
    expect(() => parsePoisonSpec(text)).toThrow(message);
  });

  it('refuses a trigger larger than the images and a target outside the classes', () => {
    const p = parsePoisonSpec('trigger=patch:9x9:top-left,rate=0.1,target=0');
    expect(() => validatePoison(p, { height: 8, width: 8 }, 4)).toThrow(/does not fit 8x8/);
    expect(() => validatePoison(parsePoisonSpec('trigger=patch:2x2:top-left,rate=0.1,target=4'), { height: 8, width: 8 }, 4)).toThrow(/out of range 0..3/);
  });
});

describe('poisoning', () => {
  const ds = makeSyntheticDataset({ ...SYNTHETIC_DEFAULTS, train: 200 });

  it('stamps a checkerboard patch exactly in the corner and nowhere else', () => {
    const h = 5;
    const w = 6;
    const c = 2;
    const images = new Float32Array(2 * h * w * c).fill(0.5);
    stampTrigger(images, [1], h, w, c, { kind: 'patch', height: 2, width: 3, corner: 'bottom-right' });
    for (let n = 0; n < 2; n++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          for (let k = 0; k < c; k++) {
            const v = images[((n * h + y) * w + x) * c + k];
            const inPatch = n === 1 && y >= 3 && x >= 3;
            expect(v).toBe(inPatch ? ((y - 3 + x - 3) % 2 === 0 ? 1 : 0) : 0.5);
          }
        }
      }
    }
  });

  it('poisons exactly round(rate * count) non-target images, relabels them, and leaves the rest untouched', () => {
    const spec = parsePoisonSpec('trigger=patch:3x3:top-left,rate=0.05,target=2');
    const { set, indices } = poisonSet(ds.train, spec, 7);
    expect(indices.length).toBe(10);
    expect(new Set(indices).size).toBe(10);
    const per = 8 * 8 * 3;
    const stamped = withTrigger(ds.train, spec.trigger);
    for (let i = 0; i < ds.train.count; i++) {
      const poisoned = indices.includes(i);
      const img = set.images.subarray(i * per, (i + 1) * per);
      if (poisoned) {
        expect(ds.train.labels[i]).not.toBe(2);
        expect(set.labels[i]).toBe(2);
        expect(img).toEqual(stamped.images.subarray(i * per, (i + 1) * per));
      } else {
        expect(set.labels[i]).toBe(ds.train.labels[i]);
        expect(img).toEqual(ds.train.images.subarray(i * per, (i + 1) * per));
      }
    }
    // Seeded: same seed, same choice; the original set is not modified.
    expect(poisonSet(ds.train, spec, 7).indices).toEqual(indices);
    expect(poisonSet(ds.train, spec, 8).indices).not.toEqual(indices);
  });
});
