import { ApplicationFailure } from '@temporalio/common';
import { InvalidArtifactKeyError } from '../infra/artifacts/index.js';
import { DataError } from '../engine/data/errors.js';
import { DefectInputError } from '../engine/defect/evaluate.js';
import { ModelInputError } from '../engine/graph/model-folder.js';
import { CheckpointMismatchError } from '../engine/search/search.js';

/**
 * Retry classification as one pure decision: bad input (a missing or
 * unsupported model, bad class ids, corrupt data, invalid settings or keys,
 * a backdoor attack on a model without a trigger) can never succeed on
 * retry, so it fails the run at once with the engine's message; anything
 * else (an unreachable store, a crashed worker) is retried.
 */
export type FailureKind = 'bad-input' | 'transient';

export function classifyFailure(err: unknown): FailureKind {
  if (
    err instanceof ModelInputError ||
    err instanceof DataError ||
    err instanceof DefectInputError ||
    err instanceof RangeError ||
    err instanceof InvalidArtifactKeyError ||
    err instanceof CheckpointMismatchError
  ) {
    return 'bad-input';
  }
  return 'transient';
}

/** Rethrows bad input as a non-retryable ApplicationFailure; leaves the rest to the retry policy. */
export function asActivityFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (classifyFailure(err) === 'bad-input') {
    const e = err as Error;
    return ApplicationFailure.create({ message: e.message, type: e.name, nonRetryable: true, cause: e });
  }
  return err;
}

