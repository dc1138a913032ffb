import { CancelledFailure } from '@temporalio/common';
import { activityAttempts, stageDuration } from '../infra/metrics/registry.js';
import { asActivityFailure, classifyFailure } from './failures.js';

/**
 * Wraps an activity: times it per stage, counts attempts by result, and turns
 * bad input into a non-retryable failure. One place, so every stage behaves
 * the same under retries.
 */
export function instrument<A extends unknown[], R>(
  stage: string,
  fn: (...args: A) => Promise<R>,
  modelOf: (...args: A) => string = () => '',
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const end = stageDuration.startTimer({ stage, model: modelOf(...args) });
    try {
      const out = await fn(...args);
      end({ outcome: 'ok' });
      activityAttempts.inc({ activity: stage, result: 'ok' });
      return out;
    } catch (err) {
      const result = err instanceof CancelledFailure ? 'cancelled' : classifyFailure(err) === 'bad-input' ? 'non_retryable' : 'retryable';
      end({ outcome: result });
      activityAttempts.inc({ activity: stage, result });
      throw asActivityFailure(err);
    }
  };
}
