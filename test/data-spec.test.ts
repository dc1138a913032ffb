import { describe, expect, it } from 'vitest';
import { DataSpecError } from '../engine/data/errors.js';
import { loadDataset } from '../engine/data/load.js';
import { formatDatasetSpec, parseDatasetSpec } from '../engine/data/spec.js';

describe('dataset specs', () => {
  it('parses each kind', () => {
    expect(parseDatasetSpec('cifar10:/data/c10')).toEqual({ kind: 'cifar10', dir: '/data/c10' });
    expect(parseDatasetSpec(' mnist:rel/dir ')).toEqual({ kind: 'mnist', dir: 'rel/dir' });
    expect(parseDatasetSpec('fashion-mnist')).toEqual({ kind: 'fashion-mnist', dir: '/usr/share/datasets/fashion-mnist' });
    expect(parseDatasetSpec('fashion-mnist:/x')).toEqual({ kind: 'fashion-mnist', dir: '/x' });
    // Only the first colon separates: Windows drive letters and odd paths survive.
    expect(parseDatasetSpec('cifar10:C:\\data')).toEqual({ kind: 'cifar10', dir: 'C:\\data' });
    expect(parseDatasetSpec('synthetic')).toMatchObject({ kind: 'synthetic', params: { classes: 4, seed: 1 } });
  });

  it('formats canonically, so equal datasets give equal strings (cache keys)', () => {
    const a = formatDatasetSpec(parseDatasetSpec('synthetic:seed=2,classes=4'));
    const b = formatDatasetSpec(parseDatasetSpec('synthetic:classes=4,seed=2,size=8'));
    expect(a).toBe(b);
    expect(parseDatasetSpec(a)).toEqual(parseDatasetSpec(b));
  });

  it('names the bad part of a spec', () => {
    expect(() => parseDatasetSpec('')).toThrow(/empty dataset spec/);
    expect(() => parseDatasetSpec('cifar100:/d')).toThrow('spec "cifar100:/d": unknown dataset "cifar100"; known: cifar10, mnist, fashion-mnist, synthetic');
    expect(() => parseDatasetSpec('cifar10')).toThrow(/spec "cifar10": cifar10 needs a directory/);
    expect(() => parseDatasetSpec('mnist:')).toThrow(/mnist needs a directory/);
    expect(() => parseDatasetSpec('synthetic:classes=x')).toThrow(/spec "synthetic:classes=x": "classes=x" needs an integer/);
    expect(() => parseDatasetSpec('cifar100:/d')).toThrow(DataSpecError);
  });

  it('validates limit and reports progress', async () => {
    await expect(loadDataset('synthetic', { limit: 0 })).rejects.toThrow('limit must be a positive integer, got 0');
    const calls: [number, number][] = [];
    const ds = await loadDataset('synthetic:train=40,test=20', { limit: 8, onProgress: (d, t) => calls.push([d, t]) });
    expect([ds.train.count, ds.test.count]).toEqual([8, 8]);
    expect(calls.at(-1)).toEqual([16, 16]);
  });

  it('says how to fetch when a dataset folder is empty', async () => {
    await expect(loadDataset('cifar10:/nonexistent-seamflow')).rejects.toThrow(/seamflow data fetch cifar10 --dir \/nonexistent-seamflow/);
    await expect(loadDataset('mnist:/nonexistent-seamflow')).rejects.toThrow(/train-images-idx3-ubyte\.gz found.*seamflow data fetch mnist/);
  });
});
