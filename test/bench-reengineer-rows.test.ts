import { describe, expect, it } from 'vitest';
import { meanSummary, type TargetRow } from '../bench/suites/reengineer-rows.js';

function row(orig: number, restricted: number, acc: number, wrr: number, seconds = 10): TargetRow {
  return {
    target: { mode: 'binary', classes: [0], classNames: ['airplane'] },
    counts: { train: 9, val: 1, test: 2 },
    original: { accuracy: orig, accuracyRestricted: restricted, valAccuracy: orig, params: 1, flops: 1 },
    reengineered: { accuracy: acc, valAccuracy: acc, wrr, params: 1, flops: 1 },
    search: { epochs: 1, epochsRun: 1, selectedEpoch: 0, rule: 'min-wrr-at-baseline', seconds, history: [] },
    seconds,
  };
}

describe('reengineer suite means', () => {
  it('averages WRR and accuracy gains in points, both scorings', () => {
    const m = meanSummary([row(0.9, 0.95, 0.96, 0.2), row(0.8, 0.9, 0.78, 0.4, 20)]);
    expect(m.targets).toBe(2);
    expect(m.wrr).toBeCloseTo(0.3);
    expect(m.gainPoints).toBeCloseTo((6 - 2) / 2);
    expect(m.gainRestrictedPoints).toBeCloseTo((1 - 12) / 2);
    expect(m.atLeastOriginal).toBe(1);
    expect(m.seconds).toBe(30);
  });
});
