import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import { asWasm, convInfo, dilateSpatial, padOrCrop, requireNoDilation, view, withScratch } from './compose.js';

/**
 * Input gradient of a depthwise convolution (missing from tfjs-backend-wasm
 * 4.22) as a stride-1 depthwise forward convolution of the zero-dilated dy
 * with the spatially flipped filter; with a channel multiplier m the m
 * outputs of each input channel are then summed.
 */
export function depthwiseBackpropInputWasm(args: {
  inputs: NamedTensorInfoMap;
  attrs?: NamedAttrMap;
  backend: unknown;
}): TensorInfo {
  const backend = asWasm(args.backend);
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs ?? {};
  requireNoDilation('DepthwiseConv2dNativeBackpropInput', attrs.dilations);
  const inputShape = attrs.inputShape as [number, number, number, number];
  const info = convInfo(attrs, inputShape, filter.shape as [number, number, number, number], true);
  return withScratch(backend, (s) => {
    const { filterHeight: kh, filterWidth: kw, inHeight, inWidth, outHeight, outWidth } = info;
    const strides: [number, number] = [info.strideHeight, info.strideWidth];
    const [, , ci, m] = filter.shape as [number, number, number, number];
    const flipped = s.run('Reverse', { x: filter }, { dims: [0, 1] });
    const dyd = dilateSpatial(s, dy, strides);
    const top = kh - 1 - info.padInfo.top;
    const left = kw - 1 - info.padInfo.left;
    const bottom = inHeight - ((outHeight - 1) * strides[0] + 1) - top + kh - 1 - (strides[0] - 1);
    const right = inWidth - ((outWidth - 1) * strides[1] + 1) - left + kw - 1 - (strides[1] - 1);
    const { x, pad } = padOrCrop(s, dyd, { top, bottom, left, right });
    // Each of the ci*m dy channels is convolved with its own flipped filter slice.
    const z = s.run(
      'DepthwiseConv2dNative',
      { x, filter: view(flipped, [kh, kw, ci * m, 1]) },
      { strides: [1, 1], pad, dilations: [1, 1] },
    );
    const [b, h, w] = z.shape as [number, number, number, number];
    const dx = m === 1 ? z : s.run('Sum', { x: view(z, [b, h, w, ci, m]) }, { axis: [4], keepDims: false });
    if (dx.shape.join() !== inputShape.join()) {
      throw new Error(`DepthwiseConv2dNativeBackpropInput on wasm: got [${dx.shape}], expected [${inputShape}]`);
    }
    return view(dx, inputShape);
  });
}

export const depthwiseBackpropInputConfig: KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseBackpropInputWasm as unknown as KernelConfig['kernelFunc'],
};
