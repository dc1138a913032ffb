import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeBackend, initBackend, isWasmAvailable } from '../infra/backend/index.js';

/**
 * Our wasm kernels against the pure-JS cpu backend, on small random inputs:
 * batch > 1, channels > 1, non-square images, strides 1 and 2, padding
 * same / valid / explicit. Error is max|wasm - ref| / max|ref|.
 */

type Arrays = Float32Array[];
const TOL = 1e-4;

function relErr(ref: Float32Array, got: Float32Array): number {
  expect(got.length).toBe(ref.length);
  let err = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    err = Math.max(err, Math.abs((ref[i] as number) - (got[i] as number)));
    scale = Math.max(scale, Math.abs(ref[i] as number));
  }
  expect(scale).toBeGreaterThan(0);
  return err / scale;
}

/** Deterministic values in [-1, 1). */
function values(shape: number[], seed: number): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  let s = seed * 7919 + 17;
  for (let i = 0; i < out.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = (s / 2147483648) * 2 - 1;
  }
  return out;
}

async function on(backend: 'cpu' | 'wasm', f: () => tf.Tensor[]): Promise<Arrays> {
  await tf.setBackend(backend);
  // The cpu backend's one-off "install tfjs-node" banner is noise here.
  if (backend === 'cpu') (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  return tf.tidy(() => f().map((t) => t.dataSync() as Float32Array).map((a) => a.slice()));
}

/** Gradients of sum(f(inputs) * r) w.r.t. all inputs: r makes dy random. */
function gradsOf(shapes: number[][], f: (...xs: tf.Tensor4D[]) => tf.Tensor): () => tf.Tensor[] {
  return () => {
    const xs = shapes.map((s, i) => tf.tensor4d(values(s, i + 1), s as [number, number, number, number]));
    const yShape = f(...xs).shape;
    const r = tf.tensor(values(yShape, 99), yShape);
    return tf.grads((...ins: tf.Tensor[]) => f(...(ins as tf.Tensor4D[])).mul(r).sum())(xs);
  };
}

async function expectMatchesCpu(shapes: number[][], f: (...xs: tf.Tensor4D[]) => tf.Tensor): Promise<void> {
  const ref = await on('cpu', gradsOf(shapes, f));
  const got = await on('wasm', gradsOf(shapes, f));
  got.forEach((g, i) => expect(relErr(ref[i] as Float32Array, g)).toBeLessThan(TOL));
}

/** Memory stays flat over repeated calls: no tensors or wasm buffers leak. */
async function expectNoLeak(f: () => tf.Tensor[]): Promise<void> {
  await tf.setBackend('wasm');
  tf.dispose(tf.tidy(f));
  const before = tf.memory();
  for (let i = 0; i < 3; i++) tf.dispose(tf.tidy(f));
  const after = tf.memory();
  expect(after.numTensors).toBe(before.numTensors);
  expect(after.numDataBuffers).toBe(before.numDataBuffers);
}

/**
 * Reference gradient of a resize op, independent of any gradient kernel: the
 * op is linear and acts on each (image, channel) plane alike, so one cpu
 * forward pass over all one-hot input planes gives its matrix M, and
 * dx = M^T dy. (TF.js 4.22's cpu resize-gradient kernels cannot serve:
 * ResizeBilinearGrad reports a transposed shape for non-square images,
 * ResizeNearestNeighborGrad mixes up batch strides, both ignore
 * halfPixelCenters.)
 */
async function resizeGradReference(
  shape: [number, number, number, number],
  resize: (x: tf.Tensor4D) => tf.Tensor4D,
  dy: Float32Array,
): Promise<Float32Array> {
  await tf.setBackend('cpu');
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  const [b, h, w, c] = shape;
  return tf.tidy(() => {
    const basis = tf.eye(h * w).reshape([h * w, h, w, 1]) as tf.Tensor4D;
    const m = resize(basis); // [h*w, oh, ow, 1]
    const [, oh, ow] = m.shape;
    const planes = tf.tensor(dy, [b, oh, ow, c]).transpose([1, 2, 0, 3]).reshape([oh * ow, b * c]);
    const dx = tf.matMul(m.reshape([h * w, oh * ow]), planes); // [h*w, b*c]
    return dx.reshape([h, w, b, c]).transpose([2, 0, 1, 3]).dataSync() as Float32Array;
  });
}

const wasm = isWasmAvailable();
beforeAll(async () => {
  // One thread keeps this file fast to start; wasm-threads.test.ts covers threads.
  if (wasm) await initBackend({ backend: 'wasm', wasmThreads: 1 });
});
afterAll(() => disposeBackend());

describe.skipIf(!wasm)('conv2d gradients on wasm (Conv2DBackpropInput / Conv2DBackpropFilter)', () => {
  const cases: Array<[string, number[], number[], [number, number] | number, tf.backend_util.ExplicitPadding | 'same' | 'valid']> = [
    ['3x3 stride 1 same', [2, 7, 6, 3], [3, 3, 3, 4], 1, 'same'],
    ['3x3 stride 2 same', [2, 7, 6, 3], [3, 3, 3, 4], 2, 'same'],
    ['3x2 stride 2 valid', [2, 7, 6, 3], [3, 2, 3, 4], 2, 'valid'],
    ['1x1 stride 2 valid', [3, 8, 5, 2], [1, 1, 2, 3], 2, 'valid'],
    ['5x5 stride 2 same', [2, 9, 6, 2], [5, 5, 2, 3], 2, 'same'],
    ['3x3 strides [2,1] explicit', [2, 7, 6, 3], [3, 3, 3, 2], [2, 1], [[0, 0], [1, 2], [0, 1], [0, 0]]],
    ['1x1 padding wider than kernel', [2, 4, 5, 2], [1, 1, 2, 3], 1, [[0, 0], [2, 1], [1, 2], [0, 0]]],
  ];
  for (const [name, xs, ws, strides, pad] of cases) {
    it(name, async () => {
      await expectMatchesCpu([xs, ws], (x, w) => tf.conv2d(x, w as tf.Tensor4D, strides, pad));
    });
  }

  it('leaks nothing over repeated calls', async () => {
    await expectNoLeak(gradsOf([[2, 7, 6, 3], [3, 3, 3, 4]], (x, w) => tf.conv2d(x, w as tf.Tensor4D, 2, 'same')));
  });
});

describe.skipIf(!wasm)('depthwise conv gradients on wasm', () => {
  const cases: Array<[string, number[], number[], number, tf.backend_util.ExplicitPadding | 'same' | 'valid']> = [
    ['3x3 x2 stride 1 same', [2, 7, 6, 3], [3, 3, 3, 2], 1, 'same'],
    ['3x3 x1 stride 2 same', [2, 7, 6, 3], [3, 3, 3, 1], 2, 'same'],
    ['3x2 x2 stride 2 valid', [2, 8, 7, 2], [3, 2, 2, 2], 2, 'valid'],
    ['3x3 x1 explicit', [2, 5, 6, 3], [3, 3, 3, 1], 1, [[0, 0], [0, 2], [1, 1], [0, 0]]],
  ];
  for (const [name, xs, ws, strides, pad] of cases) {
    it(name, async () => {
      await expectMatchesCpu([xs, ws], (x, w) => tf.depthwiseConv2d(x, w as tf.Tensor4D, strides, pad));
    });
  }

  it('leaks nothing over repeated calls', async () => {
    await expectNoLeak(gradsOf([[2, 7, 6, 3], [3, 3, 3, 2]], (x, w) => tf.depthwiseConv2d(x, w as tf.Tensor4D, 2, 'same')));
  });

  it('refuses dilations > 1 with a clear message', async () => {
    await tf.setBackend('wasm');
    const dy = tf.zeros([1, 4, 4, 2]);
    const x = tf.zeros([1, 4, 4, 2]);
    expect(() =>
      tf.engine().runKernel(
        'DepthwiseConv2dNativeBackpropFilter',
        { x, dy },
        { strides: 1, pad: 'same', dilations: 2, filterShape: [3, 3, 2, 1] },
      ),
    ).toThrow(/dilations > 1 are not supported/);
    tf.dispose([dy, x]);
  });
});

describe.skipIf(!wasm)('maxPool gradient on wasm (MaxPoolGrad)', () => {
  const cases: Array<[string, [number, number] | number, [number, number] | number, 'same' | 'valid']> = [
    ['2x2 stride 2 same', 2, 2, 'same'],
    ['3x3 stride 2 valid', 3, 2, 'valid'],
    ['3x3 stride 1 same', 3, 1, 'same'],
    ['2x3 strides [1,2] same', [2, 3], [1, 2], 'same'],
  ];
  for (const [name, size, strides, pad] of cases) {
    it(name, async () => {
      await expectMatchesCpu([[2, 7, 6, 3]], (x) => tf.maxPool(x, size, strides, pad));
    });
  }

  it('routes the gradient of an all-negative window (the shipped kernel drops it)', async () => {
    const x = [[[[1], [2], [-1], [-2]], [[3], [0.5], [-3], [-4]]]];
    const f = () => [tf.grad((t) => tf.maxPool(t as tf.Tensor4D, 2, 2, 'valid').mul(tf.tensor([1, 10], [1, 1, 2, 1])).sum())(tf.tensor4d(x))];
    const [got] = await on('wasm', f);
    expect(Array.from(got as Float32Array)).toEqual([0, 0, 10, 0, 1, 0, 0, 0]);
  });

  it('leaks nothing over repeated calls', async () => {
    await expectNoLeak(gradsOf([[2, 7, 6, 3]], (x) => tf.maxPool(x, 2, 2, 'same')));
  });
});

describe.skipIf(!wasm)('resize gradients on wasm (ResizeBilinearGrad / ResizeNearestNeighborGrad)', () => {
  const shape: [number, number, number, number] = [2, 4, 5, 3];
  const cases: Array<[string, [number, number], boolean, boolean]> = [
    ['up', [7, 9], false, false],
    ['down', [3, 2], false, false],
    ['up, alignCorners', [7, 9], true, false],
    ['up, halfPixelCenters', [7, 9], false, true],
    ['down, halfPixelCenters', [3, 4], false, true],
  ];
  for (const [method, op] of [
    ['bilinear', tf.image.resizeBilinear],
    ['nearest', tf.image.resizeNearestNeighbor],
  ] as const) {
    for (const [name, size, alignCorners, halfPixel] of cases) {
      it(`${method} ${name}`, async () => {
        const resize = (x: tf.Tensor4D) => op(x, size, alignCorners, halfPixel);
        const dy = values([shape[0], size[0], size[1], shape[3]], 5);
        const ref = await resizeGradReference(shape, resize, dy);
        const [got] = await on('wasm', () => {
          const x = tf.tensor4d(values(shape, 1), shape);
          return [tf.grad((t) => resize(t as tf.Tensor4D).mul(tf.tensor(dy, [shape[0], size[0], size[1], shape[3]])).sum())(x)];
        });
        expect(relErr(ref, got as Float32Array)).toBeLessThan(TOL);
      });
    }
  }

  it('alignCorners with an input side of 1 (the shipped nearest kernel returns zeros)', async () => {
    const thin: [number, number, number, number] = [2, 1, 4, 3];
    for (const op of [tf.image.resizeBilinear, tf.image.resizeNearestNeighbor]) {
      const resize = (x: tf.Tensor4D) => op(x, [3, 5], true);
      const dy = values([2, 3, 5, 3], 6);
      const ref = await resizeGradReference(thin, resize, dy);
      const [got] = await on('wasm', () => [
        tf.grad((t) => resize(t as tf.Tensor4D).mul(tf.tensor(dy, [2, 3, 5, 3])).sum())(tf.tensor4d(values(thin, 2), thin)),
      ]);
      expect(relErr(ref, got as Float32Array)).toBeLessThan(TOL);
    }
  });

  it('leaks nothing over repeated calls', async () => {
    await expectNoLeak(gradsOf([shape], (x) => tf.image.resizeBilinear(x, [7, 9])));
    await expectNoLeak(gradsOf([shape], (x) => tf.image.resizeNearestNeighbor(x, [7, 9])));
  });
});
