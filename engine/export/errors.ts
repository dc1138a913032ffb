/**
 * Errors of the export stage. Both are problems with the caller's input (not
 * worth retrying), except ExportVerificationError, which means the compact
 * model was refused because it did not reproduce the masked model: a bug to
 * report, never a model to ship.
 */
export class MaskValidationError extends Error {
  override name = 'MaskValidationError';
}

export class ExportVerificationError extends Error {
  override name = 'ExportVerificationError';
}

export class RunFolderError extends Error {
  override name = 'RunFolderError';
}
