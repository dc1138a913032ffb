/**
 * Ratio of source to destination coordinates used by TF.js's resize ops:
 * with alignCorners the corner pixels map onto each other.
 */
export function resizeScale(inSize: number, outSize: number, alignCorners: boolean): number {
  return alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
}
