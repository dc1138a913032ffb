/**
 * What a bad request checked up front must look like on a real server: the
 * run fails non-retryably within seconds with the engine's message, the stage
 * the request is about shows "failed", the original's scoring and the search
 * stay pending, and the history holds only the check (started once, attempt 1)
 * beside registerModel/sampleDataset.
 */
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { expect } from 'vitest';
import { queryProgress } from '../../cli/watch-run.js';
import { stageOf } from './orchestration-harness.js';

export async function expectFailedBeforeSearch(
  handle: WorkflowHandle,
  want: { stage: string; check: string; message: string | RegExp },
): Promise<void> {
  const t0 = Date.now();
  const err = await handle.result().then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  let cause: unknown = (err as WorkflowFailedError).cause;
  while (cause && !(cause instanceof ApplicationFailure)) cause = (cause as Error).cause;
  expect((cause as ApplicationFailure).nonRetryable).toBe(true);
  expect((cause as ApplicationFailure).message).toMatch(want.message);
  expect(Date.now() - t0).toBeLessThan(15_000);

  const progress = (await queryProgress(handle))!;
  expect(stageOf(progress, want.stage).status).toBe('failed');
  expect(progress.error).toMatch(want.message);
  for (const name of ['evaluateOriginal', 'searchMasks']) expect(stageOf(progress, name), name).toEqual({ stage: name, status: 'pending' });
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes).map((e) => e.activityTaskScheduledEventAttributes!.activityType!.name);
  expect(scheduled.sort()).toEqual([want.check, 'registerModel', 'sampleDataset']);
  const check = events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === want.check)!;
  const started = events.filter((e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === String(check.eventId));
  expect(started.map((e) => e.activityTaskStartedEventAttributes!.attempt)).toEqual([1]);
}
