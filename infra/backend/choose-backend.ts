import type { BackendName } from '../config.js';

/**
 * Pure decisions behind the backend choice; init-backend.ts is the shell
 * that probes, loads and logs.
 */

/** Preference when nothing is forced: native TensorFlow, then wasm, then pure JS. */
export const BACKEND_PREFERENCE: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

export const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu';
export const TFJS_NODE = '@tensorflow/tfjs-node';

/** What we know about one backend: usable as far as we know, or why not. */
export type Availability = { ok: true } | { ok: false; reason: string };
export type Availabilities = Record<BackendName, Availability>;

export type BackendDecision =
  | { kind: 'use'; backend: BackendName; forced: boolean }
  | { kind: 'fail'; message: string };

const provider: Record<BackendName, string> = {
  tensorflow: `${TFJS_NODE} (or ${TFJS_NODE_GPU})`,
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: "TF.js's cpu backend",
};

/**
 * The backend to use: the forced one if it is available (else a failure
 * naming what is missing, why, and what is available instead), otherwise the
 * most preferred available one. `forcedBy` names where the forcing came from
 * in messages (e.g. "SEAMFLOW_BACKEND").
 */
export function chooseBackend(
  available: Availabilities,
  forced?: BackendName,
  forcedBy = 'SEAMFLOW_BACKEND',
): BackendDecision {
  const usable = BACKEND_PREFERENCE.filter((b) => available[b].ok);
  if (forced !== undefined) {
    const a = available[forced];
    if (a.ok) return { kind: 'use', backend: forced, forced: true };
    const others = usable.filter((b) => b !== forced);
    return {
      kind: 'fail',
      message:
        `${forcedBy}=${forced} but ${provider[forced]} is not installed/loadable: ${a.reason}; ` +
        `available: ${others.length > 0 ? others.join(', ') : 'none'}`,
    };
  }
  const best = usable[0];
  if (best === undefined) {
    const why = BACKEND_PREFERENCE.map((b) => {
      const a = available[b];
      return `${b}: ${a.ok ? 'ok' : a.reason}`;
    });
    return { kind: 'fail', message: `no TF.js backend is usable (${why.join('; ')})` };
  }
  return { kind: 'use', backend: best, forced: false };
}

/**
 * Which tfjs-node package to try for the 'tensorflow' backend. Only one:
 * both register the same kernels at load time, so once one has been loaded
 * (even one that then fails for lack of its native binary) loading the other
 * cannot succeed. The GPU build goes first, but only if it is installed.
 */
export function tfjsNodePackageToTry(installed: { gpu: boolean; cpu: boolean }): string | undefined {
  if (installed.gpu) return TFJS_NODE_GPU;
  if (installed.cpu) return TFJS_NODE;
  return undefined;
}

/**
 * wasm thread count: the requested count (SEAMFLOW_WASM_THREADS), else one
 * per logical core; at least 1, at most what tfjs-backend-wasm's pool holds.
 */
export function wasmThreadCount(requested: number | undefined, cores: number, max: number): number {
  const want = requested ?? cores;
  return Math.max(1, Math.min(max, Math.floor(want)));
}
