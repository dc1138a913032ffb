import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { asActivityFailure, classifyFailure } from '../activities/failures.js';
import { DataFormatError, DataSpecError } from '../engine/data/errors.js';
import { DefectInputError } from '../engine/defect/evaluate.js';
import { ModelInputError } from '../engine/graph/model-folder.js';
import { InvalidArtifactKeyError } from '../infra/artifacts/index.js';

describe('retry classification', () => {
  it('calls bad input bad input, and anything else transient', () => {
    for (const e of [new ModelInputError('m'), new DataFormatError('d'), new DataSpecError('s'), new RangeError('r'), new InvalidArtifactKeyError('k'), new DefectInputError('no trigger')]) {
      expect(classifyFailure(e), e.name).toBe('bad-input');
    }
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9000'), { code: 'ECONNREFUSED' });
    expect(classifyFailure(refused)).toBe('transient');
    expect(classifyFailure('not even an Error')).toBe('transient');
  });

  it('turns bad input into a non-retryable failure with the same message, and passes the rest through', () => {
    const failure = asActivityFailure(new ModelInputError('model folder /x does not exist'));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).nonRetryable).toBe(true);
    expect((failure as ApplicationFailure).message).toBe('model folder /x does not exist');
    expect((failure as ApplicationFailure).type).toBe('ModelInputError');
    const transient = new Error('socket hang up');
    expect(asActivityFailure(transient)).toBe(transient);
  });
});
