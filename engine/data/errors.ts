/**
 * Errors raised by the data layer. Both mean "bad input": retrying the same
 * call cannot help, so orchestration code can classify them as non-retryable.
 */
export class DataError extends Error {
  override name = 'DataError';
}

/** A file on disk is truncated, corrupt, in the wrong format or fails its checksum. */
export class DataFormatError extends DataError {
  override name = 'DataFormatError';
}

/** A dataset spec, class list or target-problem option is malformed or out of range. */
export class DataSpecError extends DataError {
  override name = 'DataSpecError';
}
