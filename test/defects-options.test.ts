// The defect-evaluation options as the API (POST /api/runs `defects`) and the CLI (--defects ...) take them:
// defaults filled in, every mistake named by its field or flag. Pure: no servers, no TF.js.
import { describe, expect, it } from 'vitest';
import { formatDefects, parseDefectFlags } from '../cli/defect-flags.js';
import { UsageError } from '../cli/usage-error.js';
import { ValidationError } from '../dashboard/errors.js';
import { parseStartRun } from '../dashboard/validation.js';
import { stagesOf } from '../workflows/reengineer-workflow.js';

const base = { model: '/m', data: 'synthetic', classes: [1], seed: 5 };

describe('POST /api/runs: defects', () => {
  it('is optional, and absent leaves the spec without it', () => {
    expect(parseStartRun(base).spec.defects).toBeUndefined();
    expect(parseStartRun({ ...base, defects: '' }).spec.defects).toBeUndefined();
  });

  it('fills the published defaults and the run seed; form strings become numbers', () => {
    expect(parseStartRun({ ...base, defects: { attack: 'pgd' } }).spec.defects).toEqual({ attack: 'pgd', epochs: 10, pruneThreshold: 0.6, seed: 5 });
    expect(parseStartRun({ ...base, defects: { attack: 'backdoor', epochs: '2', pruneThreshold: '0.4', searchEpochs: 3, limit: 64, pgdSteps: 4, seed: 1 } }).spec.defects).toEqual({
      attack: 'backdoor',
      epochs: 2,
      pruneThreshold: 0.4,
      searchEpochs: 3,
      limit: 64,
      pgdSteps: 4,
      seed: 1,
    });
  });

  it.each([
    ['defects', 'pgd', /expected a JSON object/],
    ['defects.attack', {}, /is required \(pgd or backdoor\)/],
    ['defects.attack', { attack: 'fgsm' }, /must be pgd or backdoor/],
    ['defects.epochs', { attack: 'pgd', epochs: 0 }, /integer from 1 to 1000/],
    ['defects.pruneThreshold', { attack: 'pgd', pruneThreshold: 1 }, /between 0 and 1/],
    ['defects.limit', { attack: 'pgd', limit: 'all' }, /integer/],
    ['defects.epohcs', { attack: 'pgd', epohcs: 2 }, /unknown field/],
  ])('a bad %s is refused naming it', (field, defects, reason) => {
    const err = (() => {
      try {
        parseStartRun({ ...base, defects });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).field).toBe(field);
    expect((err as Error).message).toMatch(new RegExp(`^${field.replace('.', '\\.')}: `));
    expect((err as Error).message).toMatch(reason);
  });
});

describe('seamflow reengineer / submit: --defects', () => {
  it('absent: no defect stage; present: defaults and the run seed', () => {
    expect(parseDefectFlags({}, 3)).toBeUndefined();
    expect(parseDefectFlags({ defects: 'pgd' }, 3)).toEqual({ attack: 'pgd', epochs: 10, pruneThreshold: 0.6, seed: 3 });
    expect(parseDefectFlags({ defects: 'backdoor', 'defect-epochs': '4', 'prune-threshold': '0.8' }, 0)).toEqual({ attack: 'backdoor', epochs: 4, pruneThreshold: 0.8, seed: 0 });
  });

  it.each([
    [{ defects: 'fgsm' }, /--defects must be pgd or backdoor, got "fgsm"/],
    [{ defects: 'pgd', 'defect-epochs': '0' }, /--defect-epochs must be an integer >= 1, got "0"/],
    [{ defects: 'pgd', 'prune-threshold': '1.5' }, /--prune-threshold must be a number strictly between 0 and 1, got "1.5"/],
    [{ 'defect-epochs': '3' }, /--defect-epochs needs --defects pgd\|backdoor/],
    [{ 'prune-threshold': '0.5' }, /--prune-threshold needs --defects/],
  ])('%o is a usage error', (values, message) => {
    expect(() => parseDefectFlags(values, 0)).toThrow(UsageError);
    expect(() => parseDefectFlags(values, 0)).toThrow(message);
  });

  it('prints the comparison, and says so when standard reuse inherited nothing', () => {
    const d = { measure: 'DIR', standard: { accuracy: 0.9, value: 40 }, seam: { accuracy: 0.88, value: 10, wrr: 0.4 }, reduction: 75 };
    expect(formatDefects(d)).toMatch(/standard reuse 40\.00% at accuracy 90\.00%[\s\S]*seam reuse +10\.00% .*WRR 40\.00%[\s\S]*75\.0% fewer defects/);
    expect(formatDefects({ ...d, standard: { accuracy: 0.9, value: 0 }, reduction: null })).toMatch(/inherited no defects/);
  });
});

describe('stages of a run', () => {
  it('has evaluateDefects after evaluateReengineered only when asked', () => {
    expect(stagesOf({})).not.toContain('evaluateDefects');
    const withDefects = stagesOf({ defects: { attack: 'pgd', epochs: 1, pruneThreshold: 0.5, seed: 0 } });
    expect(withDefects.indexOf('evaluateDefects')).toBe(withDefects.indexOf('evaluateReengineered') + 1);
    expect(withDefects).toHaveLength(stagesOf({}).length + 1);
  });
});
