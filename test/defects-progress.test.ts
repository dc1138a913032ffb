// How the evaluateDefects heartbeat reads: the status line, the per-phase bars of `status --watch`,
// and the run detail's live `defects` (fraction, phase ETA). Pure functions, no servers.
import { describe, expect, it } from 'vitest';
import { createDefectsBars, defectsEtaSeconds, defectsLine } from '../cli/defects-progress.js';
import { liveDefects } from '../dashboard/runs-service.js';
import type { DefectsHeartbeat } from '../workflows/types.js';

const searching: DefectsHeartbeat = { method: 'seam', phase: 'search', done: 10, total: 40, seconds: 5, note: 'wrr 0.700 acc 0.812' };

/** A non-TTY stream: the bar prints plain lines (the first at once, the last on finish). */
function fakeStream() {
  const lines: string[] = [];
  return { lines, stream: { isTTY: false, write: (s: string) => (lines.push(s), true) } as unknown as NodeJS.WriteStream };
}

describe('evaluateDefects progress', () => {
  it('renders one status line: student, phase, count, note, ETA of the phase', () => {
    expect(defectsLine(searching)).toBe('defects: seam reuse (student 2/2), step 2/3 mask search 10/40 (25.0%), wrr 0.700 acc 0.812, about 15.0s left in this phase');
    expect(defectsLine({ method: 'standard', phase: 'finetune', done: 3, total: 12, seconds: 120 })).toBe(
      'defects: standard reuse (student 1/2), fine-tune 3/12 (25.0%), about 6m00s left in this phase',
    );
    // A phase without countable steps: no count, no ETA.
    expect(defectsLine({ method: 'standard', phase: 'evaluate', done: 0, total: 0, seconds: 1 })).toBe('defects: standard reuse (student 1/2), scoring');
  });

  it('gives an ETA only once there is a pace', () => {
    expect(defectsEtaSeconds(searching)).toBe(15);
    expect(defectsEtaSeconds({ ...searching, done: 0 })).toBeUndefined();
    expect(defectsEtaSeconds({ ...searching, done: 40 })).toBeUndefined();
    expect(defectsEtaSeconds({ ...searching, total: 0 })).toBeUndefined();
  });

  it('draws a bar per student and phase, a line for a phase without steps', () => {
    const { lines, stream } = fakeStream();
    const bars = createDefectsBars({ stream });
    bars.update({ method: 'standard', phase: 'finetune', done: 4, total: 8, seconds: 2, note: 'loss 0.500 acc 0.750' });
    bars.update({ method: 'standard', phase: 'evaluate', done: 0, total: 0 });
    bars.update({ method: 'standard', phase: 'attack', done: 16, total: 32 });
    bars.finish();
    expect(lines[0]).toMatch(/^defects standard fine-tune \[#{14}-{14}\]  50\.0% 4\/8 2\.\ds eta 2\.\ds loss 0\.500 acc 0\.750\n$/);
    expect(lines[1]).toMatch(/^defects standard fine-tune \[#{28}\] 100\.0% 8\/8 /); // the next phase began: this one is done
    expect(lines[2]).toBe('defects standard scoring\n');
    expect(lines[3]).toMatch(/^defects standard attack \[.*\]  50\.0% 16\/32 /);
    expect(lines.at(-1)).toMatch(/^defects standard attack \[#{28}\] 100\.0% 32\/32 /);
  });

  it("adds the phase's fraction and ETA to the run detail", () => {
    expect(liveDefects(searching)).toEqual({ ...searching, fraction: 0.25, etaSeconds: 15 });
    expect(liveDefects({ method: 'seam', phase: 'load', done: 0, total: 0, seconds: 0 })).toEqual({ method: 'seam', phase: 'load', done: 0, total: 0, seconds: 0, fraction: undefined, etaSeconds: undefined });
  });
});
