import * as tf from '@tensorflow/tfjs';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { disposeBackend, initBackend, isWasmAvailable } from '../infra/backend/index.js';

/**
 * wasm with pthreads under Node: the same numbers as one thread, in a
 * vitest fork as well as in a plain process, and processes still exit.
 */

const root = fileURLToPath(new URL('..', import.meta.url));

/** Gradients of a small strided conv net: deterministic inputs, printed as JSON. */
const gradsScript = `
import * as tf from '@tensorflow/tfjs';
import { initBackend } from './infra/backend/index.js';
const choice = await initBackend({ backend: 'wasm' });
const det = (shape, seed) => tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b) }, (_, i) => Math.sin(i * 0.37 + seed)), shape);
const x = det([8, 20, 18, 8], 1), w1 = det([3, 3, 8, 16], 2), w2 = det([3, 3, 16, 16], 3);
const g = tf.grads((x, w1, w2) => tf.conv2d(tf.relu(tf.conv2d(x, w1, 2, 'same')), w2, 1, 'valid').square().mean())([x, w1, w2]);
console.log(JSON.stringify({ detail: choice.detail, grads: g.map((t) => Array.from(t.dataSync())) }));
`;

function runGrads(threads: number): Promise<{ detail: string; grads: number[][] }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', gradsScript],
      { cwd: root, env: { ...process.env, SEAMFLOW_WASM_THREADS: String(threads) }, timeout: 90_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(JSON.parse(stdout))),
    );
  });
}

describe.skipIf(!isWasmAvailable())('wasm threads', () => {
  it('give the same gradients as one thread, and the processes exit on their own', async () => {
    const [one, two] = await Promise.all([runGrads(1), runGrads(2)]);
    expect(one.detail).toMatch(/, 1 thread /);
    expect(two.detail).toMatch(/, 2 threads /);
    expect(two.grads.map((g) => g.length)).toEqual(one.grads.map((g) => g.length));
    two.grads.forEach((g, k) => {
      const ref = one.grads[k] as number[];
      const scale = Math.max(...ref.map(Math.abs));
      const err = Math.max(...g.map((v, i) => Math.abs(v - (ref[i] as number))));
      expect(err / scale).toBeLessThan(1e-6);
    });
  });

  it('start inside a vitest fork; disposeBackend then removes the backend for good', async () => {
    const choice = await initBackend({ backend: 'wasm', wasmThreads: 2 });
    expect(choice).toEqual({ name: 'wasm', detail: expect.stringMatching(/, 2 threads/) });
    const [dx] = tf.tidy(() => {
      const x = tf.ones([4, 9, 7, 3]);
      const w = tf.ones([3, 3, 3, 5]);
      return tf.grads((a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same').sum())([x, w]).map((t) => t.sum());
    });
    expect(dx?.dataSync()[0]).toBeGreaterThan(0);
    dx?.dispose();
    await disposeBackend();
    expect(tf.findBackend('wasm')).toBeNull();
    await expect(initBackend()).rejects.toThrow(/after disposeBackend/);
  });
});
