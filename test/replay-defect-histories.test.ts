// Runs with defect evaluation recorded before the up-front checkDefectRequest (a pgd run that
// completed, a backdoor run that failed in evaluateDefects) replay with the current workflow code:
// the check sits behind patched(), so those histories never see it. No server needed.
import { readFileSync } from 'node:fs';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { workflowBundle } from '../workers/seam-worker.js';

const load = (name: string) => historyFromJSON(JSON.parse(readFileSync(new URL(`./fixtures/histories/${name}.json`, import.meta.url), 'utf8')));

beforeAll(() => {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // installed already in this process
  }
});

describe('histories recorded before the defect-request check', () => {
  it.each(['pgd', 'backdoor'])('the %s run replays unchanged', async (attack) => {
    const history = load(`defects-before-check-${attack}`);
    const scheduled = history.events!.map((e) => e.activityTaskScheduledEventAttributes?.activityType?.name).filter(Boolean);
    expect(scheduled).toContain('evaluateDefects');
    expect(scheduled).not.toContain('checkDefectRequest');
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, `old-${attack}`);
  });
});
