/** Datasets, target problems and augmentation: plain typed arrays, no TF.js. */
export type { Dataset, ImageSet, TargetMode, TargetProblem } from './types.js';
export { DataError, DataFormatError, DataSpecError } from './errors.js';
export { loadDataset, type LoadOptions } from './load.js';
export { DATASET_KINDS, formatDatasetSpec, parseDatasetSpec, type DatasetKind, type DatasetSpec } from './spec.js';
export {
  CIFAR10_CLASSES,
  CIFAR10_FILES,
  CIFAR10_MD5,
  CIFAR10_SUBDIR,
  loadCifar10,
  parseCifarBatch,
  resolveCifar10Dir,
} from './cifar10.js';
export { decodeCifarPng, parseLabelsJson, rowsToCifarBatch } from './cifar10-png.js';
export { FASHION_MNIST_SYSTEM_DIR, loadMnist, MNIST_CLASSES, MNIST_FILES, MNIST_MD5, type MnistKind } from './mnist.js';
export { parseIdx, readIdxFile, type IdxArray } from './idx.js';
export {
  formatSyntheticParams,
  makeSyntheticDataset,
  parseSyntheticParams,
  SYNTHETIC_DEFAULTS,
  type SyntheticParams,
} from './synthetic.js';
export { makeTargetProblem, parseClassList, unusedNegatives, validateTargetClasses, type TargetOptions } from './target.js';
export { freshNegativesPerEpoch } from './fresh-negatives.js';
export { augmentBatch, batches, type Batch } from './augment.js';
export { balancedSubsetIndices, gatherImages } from './subset.js';
export { md5File, md5Hex } from './md5.js';
