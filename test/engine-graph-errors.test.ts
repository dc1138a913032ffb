// Every way a model folder can be unusable gets a message naming the file or
// the layer (name and class), so the user knows what to change.
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadGraph } from '../engine/graph/import.js';
import { ModelInputError } from '../engine/graph/model-folder.js';
import { saveToTemp, tinyConvNet } from './fixtures/engine/tiny-models.js';

let good: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  good = await saveToTemp(tinyConvNet({ size: 8, channels: 3, classes: 4 }));
});

/** A copy of the good folder with model.json edited. */
async function edited(edit: (json: Record<string, any>) => void): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'seamflow-bad-model-'));
  const json = JSON.parse(await readFile(path.join(good, 'model.json'), 'utf8'));
  edit(json);
  await writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
  await writeFile(path.join(dir, 'weights.bin'), await readFile(path.join(good, 'weights.bin')));
  return dir;
}

const layers = (j: Record<string, any>) => j.modelTopology.config.layers as Record<string, any>[];

describe('model folder errors', () => {
  it('names a missing folder', async () => {
    await expect(loadGraph('/nonexistent/model')).rejects.toThrow('model folder /nonexistent/model does not exist');
  });

  it('names a folder without model.json', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'seamflow-empty-'));
    await expect(loadGraph(dir)).rejects.toThrow(`model folder ${dir} has no model.json`);
  });

  it('names a missing or truncated weight shard', async () => {
    const missing = await edited(() => {});
    await rm(path.join(missing, 'weights.bin'));
    await expect(loadGraph(missing)).rejects.toThrow(/weight shard .*weights\.bin listed in model.json is missing/);
    const short = await edited(() => {});
    await truncate(path.join(short, 'weights.bin'), 100);
    await expect(loadGraph(short)).rejects.toThrow(/weight shards of .* are truncated: conv1\/kernel needs bytes 0\.\.864 of 100/);
  });

  it('names an unsupported layer with its class', async () => {
    const dir = await edited((j) => {
      layers(j)[2]!.class_name = 'LSTM';
    });
    const err = await loadGraph(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelInputError);
    expect((err as Error).message).toBe('unsupported layer "relu1" of class LSTM');
  });

  it('names unsupported settings of a supported layer', async () => {
    const act = await edited((j) => {
      layers(j)[2]!.config.activation = 'gelu_new';
    });
    await expect(loadGraph(act)).rejects.toThrow('layer "relu1" (Activation): unsupported activation "gelu_new"');
    const cf = await edited((j) => {
      layers(j)[0]!.config.data_format = 'channels_first';
    });
    await expect(loadGraph(cf)).rejects.toThrow('layer "conv1" (Conv2D): data_format channels_first is not supported');
  });

  it('names a missing weight and a wrong kernel shape', async () => {
    const noKernel = await edited((j) => {
      j.weightsManifest[0].weights[0].name = 'elsewhere/kernel';
    });
    await expect(loadGraph(noKernel)).rejects.toThrow('layer "conv1" (Conv2D): weight kernel not found in the weights manifest');
    const shape = await edited((j) => {
      layers(j)[0]!.config.filters = 5;
    });
    await expect(loadGraph(shape)).rejects.toThrow(/layer "conv1" \(Conv2D\): kernel shape \[3,3,3,8\] does not match the expected \[3,3,3,5\]/);
  });
});
