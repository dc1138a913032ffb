import * as tf from '@tensorflow/tfjs';
import type { KernelConfig } from '@tensorflow/tfjs';
// Loaded first so that its own registrations never overwrite ours.
import '@tensorflow/tfjs-backend-wasm';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input.js';
import { depthwiseBackpropFilterConfig } from './depthwise-backprop-filter.js';
import { depthwiseBackpropInputConfig } from './depthwise-backprop-input.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { resizeBilinearGradConfig } from './resize-bilinear-grad.js';
import { resizeNearestNeighborGradConfig } from './resize-nearest-neighbor-grad.js';

/** Our replacements and additions to tfjs-backend-wasm 4.22's kernels (see each file for why). */
export const wasmKernelFixes: readonly KernelConfig[] = [
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  depthwiseBackpropInputConfig,
  depthwiseBackpropFilterConfig,
  maxPoolGradConfig,
  resizeBilinearGradConfig,
  resizeNearestNeighborGradConfig,
];

/**
 * Installs the fixes in TF.js's global kernel registry (idempotent). Kernels
 * are looked up per call, so this works before or after the wasm backend is
 * initialised; none of ours needs a setup function.
 */
export function registerWasmKernelFixes(): void {
  for (const config of wasmKernelFixes) {
    const current = tf.getKernel(config.kernelName, 'wasm');
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
}
