import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import { asWasm, withScratch } from './compose.js';
import { heapF32 } from './heap.js';
import { resizeGradGeometry } from './resize-scale.js';

/**
 * ResizeNearestNeighborGrad for wasm: each dy value is added to the source
 * pixel the forward ResizeNearestNeighbor copied it from (same rounding,
 * alignCorners and halfPixelCenters rules), in one pass over dy. Replaces
 * the C++ kernel of tfjs-backend-wasm 4.22, which ignores halfPixelCenters
 * and returns zeros with alignCorners when an input side is 1 (its search
 * window, sized by 1/scale, overflows). Batch > 1 is fine there; the
 * batch > 1 errors seen before came from the cpu reference kernel, which
 * indexes dy with the image's batch stride (and loops forever in the
 * alignCorners case above).
 */
export function resizeNearestNeighborGradWasm(args: {
  inputs: NamedTensorInfoMap;
  attrs?: NamedAttrMap;
  backend: unknown;
}): TensorInfo {
  const backend = asWasm(args.backend);
  const { images, dy } = args.inputs as { images: TensorInfo; dy: TensorInfo };
  const { alignCorners, halfPixelCenters, batch, inH, inW, depth, outH, outW, rowScale, colScale } = resizeGradGeometry(images, dy, args.attrs);
  const nearest = (scale: number, i: number, size: number) => {
    const f = halfPixelCenters ? scale * (i + 0.5) : scale * i;
    const n = Math.min(size - 1, alignCorners ? Math.round(f) : Math.floor(f));
    return halfPixelCenters ? Math.max(0, n) : n;
  };
  const cols = Array.from({ length: outW }, (_, c) => nearest(colScale, c, inW) * depth);
  return withScratch(backend, (s) => {
    const dx = s.keep(backend.makeOutput(images.shape, 'float32'));
    const dyv = heapF32(backend, dy);
    const dxv = heapF32(backend, dx);
    dxv.fill(0);
    const rowStride = inW * depth;
    let o = 0;
    for (let b = 0; b < batch; b++) {
      for (let r = 0; r < outH; r++) {
        const row = (b * inH + nearest(rowScale, r, inH)) * rowStride;
        for (let c = 0; c < outW; c++) {
          const at = row + (cols[c] as number);
          for (let d = 0; d < depth; d++, o++) dxv[at + d] = (dxv[at + d] as number) + (dyv[o] as number);
        }
      }
    }
    return dx;
  });
}

export const resizeNearestNeighborGradConfig: KernelConfig = {
  kernelName: tf.ResizeNearestNeighborGrad,
  backendName: 'wasm',
  kernelFunc: resizeNearestNeighborGradWasm as unknown as KernelConfig['kernelFunc'],
};
