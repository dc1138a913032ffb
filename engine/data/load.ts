import { loadCifar10, type LoadOptions } from './cifar10.js';
import { DataSpecError } from './errors.js';
import { loadMnist } from './mnist.js';
import { parseDatasetSpec, type DatasetSpec } from './spec.js';
import { makeSyntheticDataset } from './synthetic.js';
import type { Dataset } from './types.js';

export type { LoadOptions } from './cifar10.js';

/**
 * Loads a dataset named by a spec string (see spec.ts) as NHWC float32 in [0, 1].
 * `limit` caps the images of each split with a deterministic class-balanced
 * subset (classes take turns, file order; see balancedSubsetIndices).
 * Real datasets are checked against their official MD5s unless
 * `verifyChecksums: false`; `checksums` records what was read.
 */
export async function loadDataset(spec: string | DatasetSpec, opts: LoadOptions = {}): Promise<Dataset> {
  if (opts.limit !== undefined && (!Number.isInteger(opts.limit) || opts.limit < 1)) {
    throw new DataSpecError(`limit must be a positive integer, got ${opts.limit}`);
  }
  const s = typeof spec === 'string' ? parseDatasetSpec(spec) : spec;
  switch (s.kind) {
    case 'cifar10':
      return loadCifar10(s.dir, opts);
    case 'mnist':
    case 'fashion-mnist':
      return loadMnist(s.kind, s.dir, opts);
    case 'synthetic': {
      const ds = makeSyntheticDataset(s.params, { limit: opts.limit });
      opts.onProgress?.(ds.train.count + ds.test.count, ds.train.count + ds.test.count);
      return ds;
    }
  }
}
