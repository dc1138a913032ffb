/** A defect-evaluation request that can never succeed as asked (no trigger, wrong target, wrong input shape). */
export class DefectInputError extends Error {
  override name = 'DefectInputError';
}
