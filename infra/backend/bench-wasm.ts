/**
 * Measures a ResNet-20 training step (batch 64, CIFAR-10 shapes) on the
 * backend initBackend picks, with the time of its costliest kernels. Run one process per thread count (the count is fixed when the
 * backend starts):
 *
 *   SEAMFLOW_WASM_THREADS=1 npx tsx infra/backend/bench-wasm.ts
 *   SEAMFLOW_WASM_THREADS=2 npx tsx infra/backend/bench-wasm.ts
 *   npx tsx infra/backend/bench-wasm.ts --shipped-input-grad   # tfjs-backend-wasm's own Conv2DBackpropInput
 *
 * Prints one JSON line: step times, kernel totals per step, and a checksum
 * of the gradients (equal across thread counts when threads are correct).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { disposeBackend, initBackend } from './index.js';

const modelDir = process.env.BENCH_MODEL_DIR ?? fileURLToPath(new URL('../../../shared/models/resnet20-cifar10/', import.meta.url));
const batch = Number(process.env.BENCH_BATCH ?? 64);
const steps = Number(process.env.BENCH_STEPS ?? 3);
const useShipped = process.argv.includes('--shipped-input-grad');

/** A LayersModel from a model.json + shards on disk (tf.io's file:// handler lives in tfjs-node). */
async function loadModel(dir: string): Promise<tf.LayersModel> {
  const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8')) as {
    modelTopology: object;
    weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  };
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const buffers = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(path.join(dir, p))));
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
  return tf.loadLayersModel({ load: async () => ({ modelTopology: json.modelTopology, weightSpecs: specs, weightData }) });
}

/** Wraps wasm kernels to add up their top-level wall time (nested calls count once, in their caller). */
function timeKernels(names: string[]): Map<string, number> {
  const totals = new Map(names.map((n) => [n, 0]));
  let depth = 0;
  for (const name of names) {
    const config = tf.getKernel(name, 'wasm');
    if (!config) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      ...config,
      setupFunc: undefined,
      kernelFunc: (args) => {
        const t0 = performance.now();
        depth++;
        try {
          return config.kernelFunc(args);
        } finally {
          depth--;
          if (depth === 0) totals.set(name, (totals.get(name) ?? 0) + performance.now() - t0);
        }
      },
    });
  }
  return totals;
}

async function main(): Promise<void> {
  // tfjs-backend-wasm's own input-gradient kernel, kept under another name so its setup still runs.
  const shipped = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (shipped) tf.registerKernel({ ...shipped, kernelName: 'ShippedConv2DBackpropInput' });
  const choice = await initBackend();
  if (useShipped && choice.name === 'wasm') {
    const cfg = tf.getKernel('ShippedConv2DBackpropInput', 'wasm');
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    tf.registerKernel({ ...cfg, kernelName: 'Conv2DBackpropInput', setupFunc: undefined });
  }
  const model = await loadModel(modelDir);
  const x = tf.randomUniform([batch, 32, 32, 3], 0, 1, 'float32', 1);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', 2) as tf.Tensor1D, 10);
  const weights = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const step = (): number =>
    tf.tidy(() => {
      const { grads } = tf.variableGrads(
        () => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar,
        weights,
      );
      return Object.values(grads).reduce((s, g) => s + (g.abs().sum().dataSync()[0] as number), 0);
    });
  const all = tf.getKernelsForBackend('wasm').map((k) => k.kernelName);
  const totals = choice.name === 'wasm' ? timeKernels(all) : new Map<string, number>();
  const checksum = step(); // warm-up: heap growth, XNNPACK operator creation
  for (const k of totals.keys()) totals.set(k, 0);
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  // The eight costliest kernels, in ms per step.
  const perStep = Object.fromEntries(
    [...totals]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([k, v]) => [k, Math.round(v / steps)]),
  );
  console.log(
    JSON.stringify({
      backend: `${choice.name} (${choice.detail})`,
      inputGrad: useShipped ? 'tfjs-backend-wasm' : 'seamflow',
      batch,
      stepMs: times.map((t) => Math.round(t)),
      kernelMsPerStep: perStep,
      checksum,
    }),
  );
  await disposeBackend();
}

await main();
