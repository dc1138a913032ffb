import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import { asWasm, convInfo, padOrCrop, requireChannelsLast, view, withScratch } from './compose.js';

/**
 * Filter gradient of a 2-D convolution, which tfjs-backend-wasm 4.22 lacks
 * (so no conv net trains on it as shipped), as one forward convolution on
 * XNNPACK. With the batch axis playing the part of the input channels:
 *
 *   dW[u, v, ci, co] = sum_{b,i,j} x[b, i*s + u - pad, j*s + v - pad, ci] dy[b, i, j, co]
 *                    = conv2d(x as [ci, H, W, b], dy as [oh, ow, b, co],
 *                             stride 1, dilation s)[ci, u, v, co]
 */
export function conv2DBackpropFilterWasm(args: {
  inputs: NamedTensorInfoMap;
  attrs?: NamedAttrMap;
  backend: unknown;
}): TensorInfo {
  const backend = asWasm(args.backend);
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs ?? {};
  requireChannelsLast('Conv2DBackpropFilter', attrs.dataFormat);
  const filterShape = attrs.filterShape as [number, number, number, number];
  const info = convInfo(attrs, x.shape as [number, number, number, number], filterShape);
  return withScratch(backend, (s) => {
    const { filterHeight: kh, filterWidth: kw, inHeight, inWidth, outHeight, outWidth, strideHeight: sh, strideWidth: sw } = info;
    const xT = s.run('Transpose', { x }, { perm: [3, 1, 2, 0] }); // [ci, H, W, b]
    const dyT = s.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] }); // [oh, ow, b, co]
    const { top, left } = info.padInfo;
    // Pad (or crop) the far side so the correlation yields exactly kh x kw outputs.
    const bottom = kh + (outHeight - 1) * sh - inHeight - top;
    const right = kw + (outWidth - 1) * sw - inWidth - left;
    const padded = padOrCrop(s, xT, { top, bottom, left, right });
    const z = s.run(
      'Conv2D',
      { x: padded.x, filter: dyT },
      { strides: [1, 1], pad: padded.pad, dilations: [sh, sw], dataFormat: 'NHWC' },
    ); // [ci, kh, kw, co]
    const dw = s.run('Transpose', { x: z }, { perm: [1, 2, 0, 3] });
    if (dw.shape.join() !== filterShape.join()) {
      throw new Error(`Conv2DBackpropFilter on wasm: got [${dw.shape}], expected [${filterShape}]`);
    }
    return view(dw, filterShape);
  });
}

export const conv2DBackpropFilterConfig: KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterWasm as unknown as KernelConfig['kernelFunc'],
};
