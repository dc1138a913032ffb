/** What a result was measured on: machine, versions, backend. */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import os from 'node:os';

const require = createRequire(import.meta.url);

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  platform: string;
  loadAverage: number[];
}

export function machine(): Machine {
  return {
    cores: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: os.loadavg().map((v) => Math.round(v * 100) / 100),
  };
}

function packageVersion(name: string): string | null {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return null;
  }
}

export function versions(): Record<string, string | null> {
  return {
    node: process.version,
    tfjs: tf.version.tfjs,
    'tfjs-backend-wasm': packageVersion('@tensorflow/tfjs-backend-wasm'),
    'tfjs-node': packageVersion('@tensorflow/tfjs-node'),
    vega: packageVersion('vega'),
    'vega-lite': packageVersion('vega-lite'),
  };
}
