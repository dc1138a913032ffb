// How the finetuneModel heartbeat reads: the `seamflow status` line, the `status --watch` bar note,
// and the run detail's live `finetune` (fraction, ETA). Pure functions, no servers.
import { describe, expect, it } from 'vitest';
import { finetuneFraction, finetuneLine, finetuneNote } from '../cli/finetune-progress.js';
import { liveFinetune } from '../dashboard/runs-service.js';
import type { FinetuneHeartbeat } from '../workflows/types.js';

const hb: FinetuneHeartbeat = { epoch: 1, epochs: 4, step: 3, steps: 10, done: 13, total: 40, loss: 0.41234, accuracy: 0.8125, valAccuracy: 0.79, startValAccuracy: 0.7 };

describe('finetuneModel progress', () => {
  it('renders the status line and the bar note', () => {
    expect(finetuneLine(hb)).toBe('finetune: step 13/40 (32.5%), epoch 2/4 loss 0.4123 acc 81.25% val 79.00% (search model 70.00%)');
    // Before the first step and the first epoch end: no loss, no validation yet.
    expect(finetuneNote({ epoch: 0, epochs: 4, step: 0, steps: 0, done: 0, total: 0, loss: NaN, accuracy: 0 })).toBe('epoch 1/4');
    expect(finetuneLine({ ...hb, total: 0, done: 0 })).toMatch(/^finetune: epoch 2\/4 /);
  });

  it('gives the dashboard a fraction, and an ETA once there is a pace', () => {
    expect(finetuneFraction(hb)).toBeCloseTo(0.325, 12);
    const startedAt = new Date(Date.now() - 13_000).toISOString();
    const live = liveFinetune(hb, startedAt);
    expect(live.fraction).toBeCloseTo(0.325, 12);
    expect(live.etaSeconds).toBeGreaterThan(26);
    expect(live.etaSeconds).toBeLessThan(29);
    expect(liveFinetune({ ...hb, done: 0 }, startedAt).etaSeconds).toBeUndefined();
  });
});
