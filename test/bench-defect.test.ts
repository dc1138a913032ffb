// The defect suite's pure parts: settings, reduction arithmetic, rows, estimate, teacher cache key.
import { describe, expect, it } from 'vitest';
import type { DefectReport } from '../engine/defect/evaluate.js';
import { estimateSeconds, expectedSearchEpochs, taskCounts } from '../bench/suites/defect-estimate.js';
import { checkBackdoorTargets, defectPlan, parseAttacks, parseTargets } from '../bench/suites/defect-plan.js';
import { defectRow, summarizeRows } from '../bench/suites/defect-rows.js';
import { accuracyLostPoints, atChance, degenerate, meetsGoal, relativeReduction, summarizeComparisons } from '../bench/suites/defect-summary.js';
import { teacherKey } from '../bench/suites/defect-teacher.js';

describe('defect suite settings', () => {
  it('parses tasks separated by | and refuses bad or repeated ones', () => {
    expect(parseTargets('0,1|2,3 | 4-6|7')).toEqual([[0, 1], [2, 3], [4, 5, 6], [7]]);
    expect(() => parseTargets('0,1|1,0')).toThrow(/listed twice/);
    expect(() => parseTargets('0,10')).toThrow(/out of range/);
    expect(() => parseTargets('|')).toThrow(/no target task/);
  });
  it('parses the attack choice', () => {
    expect(parseAttacks(undefined)).toEqual(['pgd', 'backdoor']);
    expect(parseAttacks('pgd')).toEqual(['pgd']);
    expect(() => parseAttacks('fgsm')).toThrow(/pgd, backdoor or both/);
  });
  it('refuses backdoor tasks without the trigger class', () => {
    expect(() => checkBackdoorTargets([[0, 1], [0, 2]], 0)).not.toThrow();
    expect(() => checkBackdoorTargets([[0, 1], [2, 3]], 0)).toThrow(/2,3 lack the trigger's class 0/);
    expect(() => defectPlan({ quick: true, flags: { targets: '2,3' } })).toThrow(/trigger/);
    expect(defectPlan({ quick: true, flags: { targets: '2,3', attack: 'pgd' } }).targets).toEqual([[2, 3]]);
  });
  it('quick and full differ only in sizes', () => {
    const q = defectPlan({ quick: true, flags: {} });
    const f = defectPlan({ quick: false, flags: {} });
    expect(q.targets).toEqual(f.targets);
    expect(q.targets.length).toBeGreaterThanOrEqual(3);
    expect(q.attacks).toEqual(f.attacks);
    expect(q.pruneThreshold).toBe(f.pruneThreshold);
    expect({ ...q.teacher, limit: 0, epochs: 0 }).toEqual({ ...f.teacher, limit: 0, epochs: 0 });
    expect(q.epochs).toBe(1);
    expect(f.pgdSteps).toBe(40);
  });
  it('takes flags, with "all" for no image cap', () => {
    const p = defectPlan({ quick: false, flags: { epochs: '3', limit: 'all', 'prune-threshold': '0.5', 'pgd-steps': '7', 'teacher-limit': '100' } });
    expect(p).toMatchObject({ epochs: 3, limit: null, pruneThreshold: 0.5, pgdSteps: 7 });
    expect(p.teacher.limit).toBe(100);
    expect(() => defectPlan({ quick: false, flags: { 'prune-threshold': '1' } })).toThrow(/\(0, 1\)/);
    expect(() => defectPlan({ quick: false, flags: { epochs: '1.5' } })).toThrow(/integer/);
  });
});

describe('defect reduction arithmetic', () => {
  it('is relative to the standard rate and undefined when there is nothing to reduce', () => {
    expect(relativeReduction(50, 20)).toBeCloseTo(60);
    expect(relativeReduction(40, 50)).toBeCloseTo(-25);
    expect(relativeReduction(0, 0)).toBeNull();
    expect(relativeReduction(Number.NaN, 1)).toBeNull();
  });
  it('checks the goal: >= 60% fewer at <= 3 points lost', () => {
    const c = { standard: { accuracy: 0.9, defect: 50 }, seam: { accuracy: 0.88, defect: 20 }, outputs: 2 };
    expect(accuracyLostPoints(c)).toBeCloseTo(2);
    expect(meetsGoal(60, 3)).toBe(true);
    expect(meetsGoal(59.9, 0)).toBe(false);
    expect(meetsGoal(80, 3.1)).toBe(false);
    expect(meetsGoal(null, 0)).toBe(false);
    expect(meetsGoal(80, 0, true)).toBe(false);
  });
  it('averages per-task reductions as published, leaving out tasks without defects', () => {
    const s = summarizeComparisons([
      { standard: { accuracy: 0.9, defect: 50 }, seam: { accuracy: 0.9, defect: 10 }, outputs: 2 }, // 80%
      { standard: { accuracy: 0.8, defect: 10 }, seam: { accuracy: 0.76, defect: 6 }, outputs: 2 }, // 40%, 4 points lost
      { standard: { accuracy: 0.7, defect: 0 }, seam: { accuracy: 0.7, defect: 0 }, outputs: 2 }, // undefined
    ]);
    expect(s.tasks).toBe(3);
    expect(s.meanReduction).toBeCloseTo(60);
    expect(s.reductionOfMeans).toBeCloseTo(((20 - 16 / 3) / 20) * 100);
    expect(s.meanAccuracyLostPoints).toBeCloseTo(4 / 3);
    expect(s.maxAccuracyLostPoints).toBeCloseTo(4);
    expect(s.degenerateTasks).toBe(0);
    expect(s.goalMet).toBe(true);
    expect(s.tasksMeetingGoal).toBe(1);
    expect(summarizeComparisons([]).goalMet).toBe(false);
  });
  it('takes a student at chance (constant prediction, rate 0) for no evidence at all', () => {
    expect(atChance(0.5, 2)).toBe(true);
    expect(atChance(0.56, 2)).toBe(false);
    expect(atChance(0.38, 3)).toBe(true);
    const collapsed = { standard: { accuracy: 0.98, defect: 50 }, seam: { accuracy: 0.5, defect: 0 }, outputs: 2 };
    expect(degenerate(collapsed)).toBe(true);
    const s = summarizeComparisons([collapsed, { standard: { accuracy: 0.9, defect: 50 }, seam: { accuracy: 0.9, defect: 10 }, outputs: 2 }]);
    expect(s.degenerateTasks).toBe(1);
    expect(s.meanReduction).toBeCloseTo(80); // the collapsed task's 100% is left out
    expect(s.meanSeam).toBeCloseTo(10);
    expect(s.meanAccuracyLostPoints).toBeCloseTo(24);
    expect(s.tasksMeetingGoal).toBe(1);
    expect(s.goalMet).toBe(false);
    expect(summarizeComparisons([collapsed]).meanReduction).toBeNull();
  });
});

function report(method: 'standard' | 'seam', attack: DefectReport['attack'], accuracy: number): DefectReport {
  return {
    kind: 'seamflow-defect-report',
    teacher: { dir: 't', arch: null, dataset: null },
    data: { spec: 'cifar10:x', limit: 100, train: 9, val: 1, test: 4 },
    target: { mode: 'multiclass', classes: [0, 1], classNames: ['airplane', 'automobile'] },
    method,
    settings: {} as DefectReport['settings'],
    student: { accuracy, testImages: 4 },
    ...(method === 'seam' ? { seam: { headAccuracy: 1, wrr: 0.4, removed: 0.6, searchEpochs: 2, reachedBySearch: true } } : {}),
    attack,
    timings: { total: method === 'seam' ? 7 : 3 },
  };
}

describe('defect rows', () => {
  it('builds a row from the two reports, per attack kind', () => {
    const pgd = (dir: number): DefectReport['attack'] => ({ kind: 'pgd', unit: 'percent', dir, correctClean: 4, flipped: 2, featureObjective: { clean: 0, adversarial: 0 } });
    const row = defectRow('pgd', 'resnet20', report('standard', pgd(50), 0.95), report('seam', pgd(10), 0.94));
    expect(row).toMatchObject({ defect: { unit: 'DIR', standard: 50, seam: 10, teacher: null }, seamRemoved: 0.6, seamReachedBySearch: true, goalMet: true, seconds: { standard: 3, seam: 7 } });
    expect(row.reduction).toBeCloseTo(80);
    expect(row.accuracyLostPoints).toBeCloseTo(1);
    const bd = (asr: number): DefectReport['attack'] => ({ kind: 'backdoor', unit: 'percent', asr, hits: 1, total: 2, trigger: 'patch:3x3:bottom-right', target: 0, teacherAsr: 99 });
    const b = defectRow('backdoor', 'cnn', report('standard', bd(90), 0.8), report('seam', bd(80), 0.8));
    expect(b.defect).toEqual({ unit: 'ASR', standard: 90, seam: 80, teacher: 99 });
    expect(b.goalMet).toBe(false);
    expect(row.atChance).toEqual({ standard: false, seam: false });
    expect(defectRow('pgd', 'resnet20', report('standard', pgd(50), 0.95), report('seam', pgd(0), 0.5))).toMatchObject({ atChance: { seam: true }, goalMet: false });
    const s = summarizeRows([row, b]);
    expect(s.pgd!.tasks).toBe(1);
    expect(s.backdoor!.tasks).toBe(1);
    expect(s.all!.tasks).toBe(2);
  });
});

describe('defect estimate and teacher cache', () => {
  it('counts task images like the class-balanced limit and the 10% validation split', () => {
    expect(taskCounts([0, 1], 2000)).toEqual({ train: 360, val: 40, test: 400 });
    expect(taskCounts([3], 2000)).toEqual({ train: 360, val: 40, test: 400 });
    expect(taskCounts([0, 2, 9], null)).toEqual({ train: 13500, val: 1500, test: 3000 });
  });
  it('expects the search to stop after a fixed number of steps, within its budget', () => {
    expect(expectedSearchEpochs(900, 30)).toBe(20);
    expect(expectedSearchEpochs(360, 3)).toBe(3);
  });
  it('grows with the sizes and drops the teacher when it is cached', () => {
    const q = defectPlan({ quick: true, flags: {} });
    const f = defectPlan({ quick: false, flags: {} });
    const eq = estimateSeconds(q, 'tensorflow', false);
    const ef = estimateSeconds(f, 'tensorflow', false);
    expect(ef.seconds).toBeGreaterThan(eq.seconds * 5);
    expect(estimateSeconds(f, 'tensorflow', true).parts.teacher).toBe(0);
    expect(estimateSeconds(f, 'wasm', false).seconds).toBeGreaterThan(ef.seconds);
  });
  it('keys the cached teacher by every setting and the data checksums', () => {
    const t = defectPlan({ quick: true, flags: {} }).teacher;
    const sums = { 'test_batch.bin': 'a' };
    expect(teacherKey(t, sums)).toBe(teacherKey({ ...t }, { ...sums }));
    expect(teacherKey(t, sums)).toMatch(/^cnn-[0-9a-f]{16}$/);
    expect(teacherKey({ ...t, epochs: t.epochs + 1 }, sums)).not.toBe(teacherKey(t, sums));
    expect(teacherKey(t, { 'test_batch.bin': 'b' })).not.toBe(teacherKey(t, sums));
  });
});
