// The fine-tuning options as the API (POST /api/runs `finetune`) takes them, and where the stage sits
// in a run. Pure: no servers, no TF.js.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../dashboard/errors.js';
import { parseStartRun } from '../dashboard/validation.js';
import { stagesOf } from '../workflows/reengineer-workflow.js';

const base = { model: '/m', data: 'synthetic', classes: [1], head: 'appended', seed: 5 };

describe('POST /api/runs: finetune', () => {
  it('takes epochs (required), an optional learning rate, distillation and fresh negatives, from JSON or form strings', () => {
    expect(parseStartRun({ ...base, finetune: { epochs: 3 } }).spec.finetune).toEqual({ epochs: 3 });
    expect(parseStartRun({ ...base, finetune: { epochs: '4', lr: '0.02' } }).spec.finetune).toEqual({ epochs: 4, lr: 0.02 });
    expect(parseStartRun({ ...base, finetune: { epochs: '4', distill: '0.7', temperature: '3' } }).spec.finetune).toEqual({ epochs: 4, distill: 0.7, temperature: 3 });
    expect(parseStartRun({ ...base, finetune: { epochs: 4, distill: 0 } }).spec.finetune).toEqual({ epochs: 4 });
    // The form's checkbox sends "true"; unchecked it sends nothing.
    expect(parseStartRun({ ...base, finetune: { epochs: '4', freshNegatives: 'true' } }).spec.finetune).toEqual({ epochs: 4, freshNegatives: true });
    expect(parseStartRun({ ...base, finetune: { epochs: 4, freshNegatives: false } }).spec.finetune).toEqual({ epochs: 4 });
    expect(parseStartRun(base).spec.finetune).toBeUndefined();
    // The search's final masks for fine-tuning (a search setting; the published rule when absent).
    expect(parseStartRun({ ...base, select: 'last', finetune: { epochs: 2 } }).spec.settings.select).toBe('last');
    expect(parseStartRun(base).spec.settings.select).toBeUndefined();
  });

  it('names the field of each mistake', () => {
    const fieldOf = (body: object) => {
      try {
        parseStartRun(body);
      } catch (err) {
        if (err instanceof ValidationError) return err.field;
        throw err;
      }
      return undefined;
    };
    expect(fieldOf({ ...base, finetune: { epochs: 1.5 } })).toBe('finetune.epochs');
    expect(fieldOf({ ...base, finetune: { epochs: 2, lr: 'fast' } })).toBe('finetune.lr');
    expect(fieldOf({ ...base, finetune: { epochs: 2, distill: 2 } })).toBe('finetune.distill');
    expect(fieldOf({ ...base, finetune: { epochs: 2, temperature: 2 } })).toBe('finetune.temperature');
    expect(fieldOf({ ...base, head: 'sliced', finetune: { epochs: 2 } })).toBe('head');
    expect(fieldOf({ ...base, finetune: { epochs: 2, freshNegatives: 'yes' } })).toBe('finetune.freshNegatives');
    expect(fieldOf({ ...base, classes: [1, 2], finetune: { epochs: 2, freshNegatives: true } })).toBe('finetune.freshNegatives');
    // The sliced head is fine on a multiclass target (its outputs are logits there).
    expect(fieldOf({ ...base, head: 'sliced', classes: [1, 2], finetune: { epochs: 2 } })).toBeUndefined();
  });
});

describe('stages of a run', () => {
  const finetune = { epochs: 2 };
  const defects = { attack: 'pgd' as const, epochs: 1, pruneThreshold: 0.5, seed: 0 };

  it('has finetuneModel right after evaluateReengineered only when asked, before evaluateDefects', () => {
    expect(stagesOf({})).not.toContain('finetuneModel');
    const tuned = stagesOf({ finetune });
    expect(tuned.indexOf('finetuneModel')).toBe(tuned.indexOf('evaluateReengineered') + 1);
    expect(tuned).toHaveLength(stagesOf({}).length + 1);
    const both = stagesOf({ finetune, defects });
    expect(both.slice(both.indexOf('evaluateReengineered'), both.indexOf('exportModel') + 1)).toEqual(['evaluateReengineered', 'finetuneModel', 'evaluateDefects', 'exportModel']);
  });
});
