// Model selection and early stopping are pure decisions over per-epoch
// (val accuracy, WRR) pairs; the authors' rules, checked case by case.
import { describe, expect, it } from 'vitest';
import { initialSelection, selected, updateSelection, type SelectionState } from '../engine/search/selection.js';
import { decodePlain, encodePlain } from '../engine/plain-codec.js';

function feed(rows: [number, number][], baseline: number, patience = 0) {
  let state: SelectionState = initialSelection();
  const stops: boolean[] = [];
  rows.forEach(([valAccuracy, wrr], epoch) => {
    const u = updateSelection(state, { epoch, valAccuracy, wrr }, baseline, patience);
    state = u.state;
    stops.push(u.stop);
  });
  return { state, stops, pick: selected(state) };
}

describe('model selection', () => {
  it('keeps the smallest WRR among epochs at or above the original accuracy', () => {
    const { pick } = feed([[0.95, 1], [0.9, 0.5], [0.93, 0.3], [0.96, 0.2], [0.91, 0.1]], 0.92);
    expect(pick).toEqual({ epoch: 3, valAccuracy: 0.96, wrr: 0.2, rule: 'min-wrr-at-baseline' });
  });

  it('within the same 0.1% of WRR, prefers the higher accuracy; a bigger WRR never wins', () => {
    const { pick } = feed([[0.93, 0.2004], [0.95, 0.2001], [0.99, 0.25]], 0.92);
    expect(pick?.epoch).toBe(1);
  });

  it('falls back to the best (acc - WRR) when no epoch reaches the original', () => {
    const { pick } = feed([[0.8, 1], [0.85, 0.5], [0.7, 0.1], [0.6, 0.3]], 0.9);
    expect(pick).toEqual({ epoch: 2, valAccuracy: 0.7, wrr: 0.1, rule: 'max-acc-minus-wrr' });
  });

  it('early-stops after `patience` epochs below the original once it was reached', () => {
    const rows: [number, number][] = [[0.8, 1], [0.95, 0.6], [0.8, 0.5], [0.85, 0.4], [0.8, 0.3]];
    expect(feed(rows, 0.9, 2).stops).toEqual([false, false, false, true, true]);
    // Never reached: never stops (the search has not found anything yet).
    expect(feed([[0.5, 1], [0.5, 0.5], [0.5, 0.2]], 0.9, 1).stops).toEqual([false, false, false]);
    // Off by default.
    expect(feed(rows, 0.9).stops.some(Boolean)).toBe(false);
  });
});

describe('plain-data codec', () => {
  it('round-trips nested objects with typed arrays bit-exactly', () => {
    const value = {
      a: 1,
      f: Float32Array.of(0.1, -0, NaN, 3e38),
      nested: [{ i: Int32Array.of(-5, 7), u: Uint8Array.of(1, 0, 1) }, 'x'],
      rng: [1, 2, 3, 4],
    };
    const back = decodePlain<typeof value>(encodePlain(value));
    expect(back.f).toBeInstanceOf(Float32Array);
    expect(new Uint8Array(back.f.buffer, back.f.byteOffset, 16)).toEqual(new Uint8Array(value.f.buffer));
    expect(back.nested).toEqual(value.nested);
    expect(back.rng).toEqual([1, 2, 3, 4]);
    expect(() => decodePlain(new Uint8Array(8))).toThrow(/bad magic/);
  });

  it('decodes from a Node Buffer that is a view into a larger pool (as stores return them)', () => {
    const value = { w: Float32Array.of(1.5, -2.25, 3) };
    const encoded = encodePlain(value);
    const pool = Buffer.alloc(encoded.length + 13);
    Buffer.from(encoded).copy(pool, 13);
    const back = decodePlain<typeof value>(pool.subarray(13));
    expect(Array.from(back.w)).toEqual([1.5, -2.25, 3]);
  });
});
