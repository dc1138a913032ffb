import { describe, expect, it } from 'vitest';
import {
  chooseBackend,
  tfjsNodePackageToTry,
  wasmThreadCount,
  type Availabilities,
} from '../infra/backend/choose-backend.js';

const ok = { ok: true } as const;
const missing = (reason: string) => ({ ok: false, reason }) as const;

const all: Availabilities = { tensorflow: ok, wasm: ok, cpu: ok };
const noNode: Availabilities = { tensorflow: missing('not installed'), wasm: ok, cpu: ok };

describe('chooseBackend', () => {
  it('prefers tensorflow when tfjs-node is loadable', () => {
    expect(chooseBackend(all)).toEqual({ kind: 'use', backend: 'tensorflow', forced: false });
  });

  it('falls back to wasm without tfjs-node, then to cpu', () => {
    expect(chooseBackend(noNode)).toEqual({ kind: 'use', backend: 'wasm', forced: false });
    expect(chooseBackend({ ...noNode, wasm: missing('no WebAssembly') })).toEqual({
      kind: 'use',
      backend: 'cpu',
      forced: false,
    });
  });

  it('honours a forced backend even when a preferred one is available', () => {
    expect(chooseBackend(all, 'cpu')).toEqual({ kind: 'use', backend: 'cpu', forced: true });
    expect(chooseBackend(all, 'wasm')).toEqual({ kind: 'use', backend: 'wasm', forced: true });
  });

  it('fails clearly when the forced backend is missing, naming what is available', () => {
    const d = chooseBackend({ ...noNode, tensorflow: missing('Cannot find module @tensorflow/tfjs-node') }, 'tensorflow');
    expect(d).toEqual({
      kind: 'fail',
      message:
        'SEAMFLOW_BACKEND=tensorflow but @tensorflow/tfjs-node (or @tensorflow/tfjs-node-gpu) is not ' +
        'installed/loadable: Cannot find module @tensorflow/tfjs-node; available: wasm, cpu',
    });
  });

  it('names the source of the forcing and says when nothing else is available', () => {
    const d = chooseBackend(
      { tensorflow: missing('not installed'), wasm: missing('init failed'), cpu: ok },
      'wasm',
      'initBackend({backend})',
    );
    expect(d.kind).toBe('fail');
    expect(d.kind === 'fail' && d.message).toBe(
      'initBackend({backend})=wasm but @tensorflow/tfjs-backend-wasm is not installed/loadable: init failed; available: cpu',
    );
  });

  it('fails with every reason when nothing at all is usable', () => {
    const d = chooseBackend({ tensorflow: missing('a'), wasm: missing('b'), cpu: missing('c') });
    expect(d).toEqual({ kind: 'fail', message: 'no TF.js backend is usable (tensorflow: a; wasm: b; cpu: c)' });
  });
});

describe('tfjsNodePackageToTry', () => {
  it('tries only one package, the GPU build only when it is installed', () => {
    expect(tfjsNodePackageToTry({ gpu: true, cpu: true })).toBe('@tensorflow/tfjs-node-gpu');
    expect(tfjsNodePackageToTry({ gpu: true, cpu: false })).toBe('@tensorflow/tfjs-node-gpu');
    expect(tfjsNodePackageToTry({ gpu: false, cpu: true })).toBe('@tensorflow/tfjs-node');
    expect(tfjsNodePackageToTry({ gpu: false, cpu: false })).toBeUndefined();
  });
});

describe('wasmThreadCount', () => {
  it('defaults to one per core, honours a request, clamps to [1, max]', () => {
    expect(wasmThreadCount(undefined, 2, 8)).toBe(2);
    expect(wasmThreadCount(undefined, 16, 8)).toBe(8);
    expect(wasmThreadCount(1, 16, 8)).toBe(1);
    expect(wasmThreadCount(3, 2, 8)).toBe(3);
    expect(wasmThreadCount(64, 2, 8)).toBe(8);
    expect(wasmThreadCount(undefined, 0, 8)).toBe(1);
  });
});
