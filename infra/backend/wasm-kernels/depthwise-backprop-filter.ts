import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import { asWasm, convInfo, padOrCrop, requireNoDilation, view, withScratch } from './compose.js';

/**
 * Filter gradient of a depthwise convolution (missing from tfjs-backend-wasm
 * 4.22) as one depthwise forward convolution: (channel, image) pairs become
 * the channels of a single image, dy supplies a per-pair filter dilated by
 * the stride, and the batch is summed out at the end.
 *
 *   dW[u, v, c, q] = sum_{b,i,j} x[b, i*s + u - pad, j*s + v - pad, c] dy[b, i, j, c*m + q]
 */
export function depthwiseBackpropFilterWasm(args: {
  inputs: NamedTensorInfoMap;
  attrs?: NamedAttrMap;
  backend: unknown;
}): TensorInfo {
  const backend = asWasm(args.backend);
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs ?? {};
  requireNoDilation('DepthwiseConv2dNativeBackpropFilter', attrs.dilations);
  const filterShape = attrs.filterShape as [number, number, number, number];
  const info = convInfo(attrs, x.shape as [number, number, number, number], filterShape, true);
  return withScratch(backend, (s) => {
    const { filterHeight: kh, filterWidth: kw, inHeight, inWidth, outHeight, outWidth, strideHeight: sh, strideWidth: sw } = info;
    const [b, h, w, ci] = x.shape as [number, number, number, number];
    const m = filterShape[3];
    const xT = s.run('Transpose', { x }, { perm: [1, 2, 3, 0] }); // [H, W, ci, b]
    const dyT = s.run('Transpose', { x: view(dy, [b, outHeight, outWidth, ci, m]) }, { perm: [1, 2, 3, 0, 4] }); // [oh, ow, ci, b, m]
    const { top, left } = info.padInfo;
    const bottom = kh + (outHeight - 1) * sh - inHeight - top;
    const right = kw + (outWidth - 1) * sw - inWidth - left;
    const padded = padOrCrop(s, view(xT, [1, h, w, ci * b]), { top, bottom, left, right });
    const z = s.run(
      'DepthwiseConv2dNative',
      { x: padded.x, filter: view(dyT, [outHeight, outWidth, ci * b, m]) },
      { strides: [1, 1], pad: padded.pad, dilations: [sh, sw] },
    ); // [1, kh, kw, ci*b*m]
    const dw = b === 1 ? z : s.run('Sum', { x: view(z, [kh, kw, ci, b, m]) }, { axis: [3], keepDims: false });
    return view(dw, filterShape);
  });
}

export const depthwiseBackpropFilterConfig: KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropFilterWasm as unknown as KernelConfig['kernelFunc'],
};
