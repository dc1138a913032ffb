import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import { asWasm, pair, withScratch } from './compose.js';
import { heapF32 } from './heap.js';

/**
 * MaxPoolGrad for wasm, replacing the C++ kernel of tfjs-backend-wasm 4.22,
 * whose running maximum starts at FLT_MIN (the smallest positive float)
 * instead of -inf: in any window whose values are all below ~1e-38 (e.g. all
 * negative) no position is selected and that window's gradient is lost, so
 * the result is wrong for ordinary signed inputs, and it takes the last
 * rather than the first of tied maxima. This is a plain loop over the
 * wasm heap: the gradient routes each dy to the first maximum of its window
 * (as TensorFlow and the cpu backend do); cost is O(output * window).
 */
export function maxPoolGradWasm(args: {
  inputs: NamedTensorInfoMap;
  attrs?: NamedAttrMap;
  backend: unknown;
}): TensorInfo {
  const backend = asWasm(args.backend);
  const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
  const attrs = args.attrs ?? {};
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    pair(attrs.filterSize, 'filterSize'),
    pair(attrs.strides, 'strides'),
    1,
    attrs.pad as 'same',
    attrs.dimRoundingMode as 'floor' | undefined,
  );
  return withScratch(backend, (s) => {
    const dx = s.keep(backend.makeOutput(input.shape, 'float32'));
    const xv = heapF32(backend, input);
    const dyv = heapF32(backend, dy);
    const dxv = heapF32(backend, dx);
    dxv.fill(0);
    const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth } = info;
    const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
    const { top, left } = info.padInfo;
    let o = 0;
    for (let b = 0; b < batchSize; b++) {
      const base = b * inHeight * inWidth * c;
      for (let i = 0; i < outHeight; i++) {
        const r0 = Math.max(0, i * sh - top);
        const r1 = Math.min(inHeight, i * sh - top + fh);
        for (let j = 0; j < outWidth; j++) {
          const c0 = Math.max(0, j * sw - left);
          const c1 = Math.min(inWidth, j * sw - left + fw);
          for (let d = 0; d < c; d++, o++) {
            let best = -Infinity;
            let at = -1;
            for (let r = r0; r < r1; r++) {
              for (let q = c0; q < c1; q++) {
                const k = base + (r * inWidth + q) * c + d;
                const v = xv[k] as number;
                if (v > best || at < 0) {
                  best = v;
                  at = k;
                }
              }
            }
            if (at >= 0) dxv[at] = (dxv[at] as number) + (dyv[o] as number);
          }
        }
      }
    }
    return dx;
  });
}

export const maxPoolGradConfig: KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGradWasm as unknown as KernelConfig['kernelFunc'],
};
