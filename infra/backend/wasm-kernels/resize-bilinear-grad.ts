import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import { asWasm, withScratch } from './compose.js';
import { heapF32 } from './heap.js';
import { resizeGradGeometry } from './resize-scale.js';

/**
 * ResizeBilinearGrad for wasm: the exact adjoint of TF.js's forward
 * ResizeBilinear, looping over dy and scattering each value to the (up to)
 * four source pixels with the forward pass's weights. Replaces the C++
 * kernel of tfjs-backend-wasm 4.22, which ignores halfPixelCenters (wrong
 * whenever it is set). Checked against the op's own matrix over 1728
 * configurations (batch 1 and 3): the shipped kernel is otherwise right,
 * batch > 1 included; TF.js's cpu kernel is no reference (it reports a
 * [b, w, h, c] shape, wrong for non-square images).
 */
export function resizeBilinearGradWasm(args: {
  inputs: NamedTensorInfoMap;
  attrs?: NamedAttrMap;
  backend: unknown;
}): TensorInfo {
  const backend = asWasm(args.backend);
  const { images, dy } = args.inputs as { images: TensorInfo; dy: TensorInfo };
  const { halfPixelCenters, batch, inH, inW, depth, outH, outW, rowScale, colScale } = resizeGradGeometry(images, dy, args.attrs);
  // Source coordinates exactly as the forward kernel computes them.
  const src = (scale: number, i: number) => (halfPixelCenters ? scale * (i + 0.5) - 0.5 : scale * i);
  return withScratch(backend, (s) => {
    const dx = s.keep(backend.makeOutput(images.shape, 'float32'));
    const dyv = heapF32(backend, dy);
    const dxv = heapF32(backend, dx);
    dxv.fill(0);
    const rowStride = inW * depth;
    let o = 0;
    for (let b = 0; b < batch; b++) {
      const base = b * inH * rowStride;
      for (let r = 0; r < outH; r++) {
        const fr = src(rowScale, r);
        const r0 = Math.max(0, Math.floor(fr));
        const r1 = Math.min(inH - 1, Math.ceil(fr));
        const wr = fr - r0;
        for (let c = 0; c < outW; c++) {
          const fc = src(colScale, c);
          const c0 = Math.max(0, Math.floor(fc));
          const c1 = Math.min(inW - 1, Math.ceil(fc));
          const wc = fc - c0;
          const tl = base + r0 * rowStride + c0 * depth;
          const tr = base + r0 * rowStride + c1 * depth;
          const bl = base + r1 * rowStride + c0 * depth;
          const br = base + r1 * rowStride + c1 * depth;
          for (let d = 0; d < depth; d++, o++) {
            const g = dyv[o] as number;
            dxv[tl + d] = (dxv[tl + d] as number) + g * (1 - wr) * (1 - wc);
            dxv[tr + d] = (dxv[tr + d] as number) + g * (1 - wr) * wc;
            dxv[bl + d] = (dxv[bl + d] as number) + g * wr * (1 - wc);
            dxv[br + d] = (dxv[br + d] as number) + g * wr * wc;
          }
        }
      }
    }
    return dx;
  });
}

export const resizeBilinearGradConfig: KernelConfig = {
  kernelName: tf.ResizeBilinearGrad,
  backendName: 'wasm',
  kernelFunc: resizeBilinearGradWasm as unknown as KernelConfig['kernelFunc'],
};
