import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import { asWasm, convInfo, dilateSpatial, padOrCrop, requireChannelsLast, view, withScratch } from './compose.js';

/**
 * Input gradient of a 2-D convolution as one stride-1 forward convolution
 * (which runs on XNNPACK), replacing tfjs-backend-wasm's naive C++ loop:
 *
 *   dx = conv2d(dilate(dy, strides), flip(W) with in/out channels swapped,
 *               stride 1, pad top = kh - 1 - padTop, ...)
 *
 * The dilation puts (stride - 1) zeros between dy's pixels, so a strided
 * layer costs strides^2 more multiply-adds than the ideal; stride-2 layers
 * are few in the nets we train, and XNNPACK's speed more than pays for it.
 */
export function conv2DBackpropInputWasm(args: {
  inputs: NamedTensorInfoMap;
  attrs?: NamedAttrMap;
  backend: unknown;
}): TensorInfo {
  const backend = asWasm(args.backend);
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs ?? {};
  requireChannelsLast('Conv2DBackpropInput', attrs.dataFormat);
  const inputShape = attrs.inputShape as [number, number, number, number];
  const info = convInfo(attrs, inputShape, filter.shape as [number, number, number, number]);
  return withScratch(backend, (s) => {
    const { filterHeight: kh, filterWidth: kw, inHeight, inWidth, outHeight, outWidth } = info;
    const strides: [number, number] = [info.strideHeight, info.strideWidth];
    // W[u, v, ci, co] -> W'[kh-1-u, kw-1-v, co, ci]
    const flipped = s.run('Reverse', { x: filter }, { dims: [0, 1] });
    const wT = s.run('Transpose', { x: flipped }, { perm: [0, 1, 3, 2] });
    const dyd = dilateSpatial(s, dy, strides);
    const top = kh - 1 - info.padInfo.top;
    const left = kw - 1 - info.padInfo.left;
    // Rows of dyd holding data: (outHeight - 1) * sh + 1, followed by sh - 1 zero rows.
    const bottom = inHeight - ((outHeight - 1) * strides[0] + 1) - top + kh - 1 - (strides[0] - 1);
    const right = inWidth - ((outWidth - 1) * strides[1] + 1) - left + kw - 1 - (strides[1] - 1);
    const { x, pad } = padOrCrop(s, dyd, { top, bottom, left, right });
    const dx = s.run('Conv2D', { x, filter: wT }, { strides: [1, 1], pad, dilations: [1, 1], dataFormat: 'NHWC' });
    if (dx.shape.join() !== inputShape.join()) {
      throw new Error(`Conv2DBackpropInput on wasm: got [${dx.shape}], expected [${inputShape}]`);
    }
    return view(dx, inputShape);
  });
}

export const conv2DBackpropInputConfig: KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInputWasm as unknown as KernelConfig['kernelFunc'],
};
