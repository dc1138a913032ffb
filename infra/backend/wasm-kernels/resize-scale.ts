/**
 * Ratio of source to destination coordinates used by TF.js's resize ops:
 * with alignCorners the corner pixels map onto each other.
 */
export function resizeScale(inSize: number, outSize: number, alignCorners: boolean): number {
  return alignCorners && outSize > 1 ? (inSize - 1) / (outSize - 1) : inSize / outSize;
}

/** What both resize-gradient kernels read from their arguments: shapes, flags and scales. */
export function resizeGradGeometry(images: { shape: number[] }, dy: { shape: number[] }, attrs: Record<string, unknown> | undefined) {
  const alignCorners = Boolean(attrs?.alignCorners);
  const halfPixelCenters = Boolean(attrs?.halfPixelCenters);
  const [batch, inH, inW, depth] = images.shape as [number, number, number, number];
  const [, outH, outW] = dy.shape as [number, number, number, number];
  return {
    alignCorners,
    halfPixelCenters,
    batch,
    inH,
    inW,
    depth,
    outH,
    outW,
    rowScale: resizeScale(inH, outH, alignCorners),
    colScale: resizeScale(inW, outW, alignCorners),
  };
}
