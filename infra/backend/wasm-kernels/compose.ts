import * as tf from '@tensorflow/tfjs';
import type { NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * Building blocks for wasm kernels written as compositions of other wasm
 * kernels. We call the registered kernel functions directly on TensorInfos
 * (as tfjs-backend-wasm's own kernels do) instead of going through
 * `tf.engine().runKernel`: no Tensor objects are created, so nothing is
 * tracked by the engine and nothing leaks; every intermediate is released
 * with `backend.disposeData` by the kernel that made it.
 */

export type Pair = [number, number];

/** Runs the wasm backend's own implementation of `kernelName`. */
export function runWasm(
  backend: BackendWasm,
  kernelName: string,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const config = tf.getKernel(kernelName, 'wasm');
  if (!config) throw new Error(`wasm backend has no ${kernelName} kernel`);
  const out = config.kernelFunc({ inputs, attrs, backend });
  if (Array.isArray(out)) throw new Error(`${kernelName} returned several outputs`);
  return out;
}

/**
 * A reshaped alias of `t` (same data, same refcount). Never dispose a view
 * separately from its base; returning one as a kernel output is fine when the
 * base is an intermediate of that kernel (ownership passes to the engine).
 */
export function view(t: TensorInfo, shape: number[]): TensorInfo {
  if (tf.util.sizeFromShape(shape) !== tf.util.sizeFromShape(t.shape)) {
    throw new Error(`cannot view [${t.shape}] as [${shape}]`);
  }
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

/** Collects intermediates and frees them together, also when a kernel throws. */
export class Scratch {
  private readonly owned: TensorInfo[] = [];
  constructor(readonly backend: BackendWasm) {}

  keep(t: TensorInfo): TensorInfo {
    this.owned.push(t);
    return t;
  }

  run(kernelName: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    return this.keep(runWasm(this.backend, kernelName, inputs, attrs));
  }

  /** Removes `t` from the disposal list: it becomes the kernel's output. */
  release(t: TensorInfo): TensorInfo {
    const i = this.owned.findIndex((o) => o.dataId === t.dataId);
    if (i >= 0) this.owned.splice(i, 1);
    return t;
  }

  dispose(): void {
    for (const t of this.owned) this.backend.disposeData(t.dataId);
    this.owned.length = 0;
  }
}

/** Runs `body` with a Scratch and frees everything it kept except the returned tensor. */
export function withScratch(backend: BackendWasm, body: (s: Scratch) => TensorInfo): TensorInfo {
  const s = new Scratch(backend);
  try {
    return s.release(body(s));
  } finally {
    s.dispose();
  }
}

/** Stride and dilation attributes may be a number or a pair. */
export function pair(v: unknown, name: string): Pair {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2) {
    const [h, w] = v as unknown[];
    if (typeof h === 'number' && typeof w === 'number') return [h, w];
  }
  throw new Error(`expected ${name} to be a number or [h, w], got ${JSON.stringify(v)}`);
}

type Shape4 = [number, number, number, number];

/**
 * The forward convolution a gradient kernel differentiates, from the
 * kernel's attributes (strides, pad, rounding): one place for the four
 * conv / depthwise gradient kernels.
 */
export function convInfo(attrs: NamedAttrMap, xShape: Shape4, filterShape: Shape4, depthwise = false): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    pair(attrs.strides, 'strides'),
    1,
    attrs.pad as 'same',
    attrs.dimRoundingMode as 'floor' | undefined,
    depthwise,
  );
}

export function requireNoDilation(kernelName: string, dilations: unknown): void {
  if (dilations == null) return;
  const [dh, dw] = pair(dilations, 'dilations');
  if (dh !== 1 || dw !== 1) {
    throw new Error(`${kernelName} on wasm: dilations > 1 are not supported (got [${dh}, ${dw}])`);
  }
}

export function requireChannelsLast(kernelName: string, dataFormat: unknown): void {
  if (dataFormat != null && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`${kernelName} on wasm: only NHWC is supported (got ${String(dataFormat)})`);
  }
}

/**
 * Inserts `s - 1` zeros after every row / column of an NHWC tensor (the
 * "fractionally strided" input of a transposed convolution), so that the
 * gradient of a strided convolution becomes a stride-1 forward convolution.
 * Output is [b, h*sh, w*sw, c]: the last sh-1 rows and sw-1 columns are zeros
 * too, callers account for them in their padding.
 */
export function dilateSpatial(s: Scratch, x: TensorInfo, [sh, sw]: Pair): TensorInfo {
  if (sh === 1 && sw === 1) return x;
  const [b, h, w, c] = x.shape as [number, number, number, number];
  const padded = s.run(
    'PadV2',
    { x: view(x, [b, h, 1, w, 1, c]) },
    { paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 },
  );
  return view(padded, [b, h * sh, w * sw, c]);
}

export interface Pads {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/**
 * XNNPACK takes non-negative padding only: negative padding (the gradient of
 * a convolution with more padding than kernel size) becomes a crop first.
 * Returns the possibly cropped input and the remaining non-negative pads in
 * the explicit form Conv2D accepts.
 */
export function padOrCrop(
  s: Scratch,
  x: TensorInfo,
  p: Pads,
): { x: TensorInfo; pad: [[number, number], [number, number], [number, number], [number, number]] } {
  const cropTop = Math.max(0, -p.top);
  const cropBottom = Math.max(0, -p.bottom);
  const cropLeft = Math.max(0, -p.left);
  const cropRight = Math.max(0, -p.right);
  let input = x;
  if (cropTop + cropBottom + cropLeft + cropRight > 0) {
    const [b, h, w, c] = x.shape as [number, number, number, number];
    input = s.run(
      'Slice',
      { x },
      { begin: [0, cropTop, cropLeft, 0], size: [b, h - cropTop - cropBottom, w - cropLeft - cropRight, c] },
    );
  }
  return {
    x: input,
    pad: [
      [0, 0],
      [Math.max(0, p.top), Math.max(0, p.bottom)],
      [Math.max(0, p.left), Math.max(0, p.right)],
      [0, 0],
    ],
  };
}

/** The wasm backend instance behind a kernel call. */
export function asWasm(backend: unknown): BackendWasm {
  return backend as BackendWasm;
}
