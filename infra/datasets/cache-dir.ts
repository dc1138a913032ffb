import path from 'node:path';
import { packageRoot } from '../paths.js';

/**
 * Where tests (and anything else without a configured location) keep the real
 * CIFAR-10 files: $SEAMFLOW_CIFAR10_DIR if set, else <repo>/.seamflow/datasets/cifar10,
 * the same place `seamflow data fetch cifar10` uses by default from the repo root.
 */
export function cifar10CacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.SEAMFLOW_CIFAR10_DIR?.trim();
  return fromEnv ? path.resolve(fromEnv) : path.join(packageRoot, '.seamflow', 'datasets', 'cifar10');
}

/** Likewise for MNIST: $SEAMFLOW_MNIST_DIR or <repo>/.seamflow/datasets/mnist. */
export function mnistCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.SEAMFLOW_MNIST_DIR?.trim();
  return fromEnv ? path.resolve(fromEnv) : path.join(packageRoot, '.seamflow', 'datasets', 'mnist');
}
