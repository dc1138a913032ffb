// The native backend (tfjs-node built offline by `npm run setup:native`) must be
// chosen when present, and compute what the wasm backend computes: ResNet-20
// inference and the gradients of a training step.
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { forward } from '../engine/graph/forward.js';
import { loadGraph } from '../engine/graph/import.js';
import { disposeParams, prepareParams } from '../engine/graph/params.js';
import { Rng } from '../engine/random.js';
import { initBackend } from '../infra/backend/index.js';
import { packageRoot } from '../infra/paths.js';

const require = createRequire(import.meta.url);

function nativeBuilt(): boolean {
  try {
    const lib = path.join(path.dirname(require.resolve('@tensorflow/tfjs-node/package.json')), 'lib');
    return readdirSync(lib).some((d) => existsSync(path.join(lib, d, 'tfjs_binding.node')));
  } catch {
    return false;
  }
}

const modelDir = path.resolve(packageRoot, '..', 'shared', 'models', 'resnet20-cifar10');

/** Logits and d(sum(logits * r))/d(first conv kernel, input) on the current backend. */
async function logitsAndGrads(x: Float32Array, r: Float32Array) {
  const graph = await loadGraph(modelDir);
  const params = prepareParams(graph);
  try {
    const input = tf.tensor4d(x, [4, 32, 32, 3]);
    const weights = tf.tensor2d(r, [4, 10]);
    const kernelKey = [...params.keys()].find((k) => k.endsWith('/kernel'))!;
    const kernel = params.get(kernelKey)!;
    const f = (xs: tf.Tensor, k: tf.Tensor) => {
      const p = new Map(params);
      p.set(kernelKey, k);
      return tf.sum(tf.mul(forward(graph, p, xs, { logits: true }), weights));
    };
    const logits = forward(graph, params, input, { logits: true });
    const [gx, gk] = tf.grads(f)([input, kernel]);
    const out = { logits: await logits.data(), gx: await gx!.data(), gk: await gk!.data() };
    tf.dispose([input, weights, logits, gx!, gk!]);
    return out;
  } finally {
    disposeParams(params);
  }
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]!));
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
  }
  return diff / Math.max(scale, 1e-12);
}

describe.skipIf(!nativeBuilt())('native tensorflow backend (setup:native)', () => {
  it('is chosen over wasm, and matches wasm on ResNet-20 inference and gradients', async () => {
    expect((await initBackend()).name).toBe('tensorflow');
    const rng = new Rng(7);
    const x = Float32Array.from({ length: 4 * 32 * 32 * 3 }, () => rng.next());
    const r = Float32Array.from({ length: 40 }, () => rng.normal());
    const native = await logitsAndGrads(x, r);

    // Same process, same inputs, on wasm (with the project's gradient kernels).
    await import('@tensorflow/tfjs-backend-wasm');
    const { registerWasmKernelFixes } = await import('../infra/backend/wasm-kernels/register.js');
    registerWasmKernelFixes();
    expect(await tf.setBackend('wasm')).toBe(true);
    const wasm = await logitsAndGrads(x, r);
    await tf.setBackend('tensorflow');

    expect(maxRelDiff(native.logits, wasm.logits)).toBeLessThan(1e-4);
    expect(maxRelDiff(native.gx, wasm.gx)).toBeLessThan(1e-4);
    expect(maxRelDiff(native.gk, wasm.gk)).toBeLessThan(1e-4);
  });
});
