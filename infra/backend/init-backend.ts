import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type BackendName } from '../config.js';
import { logger } from '../log.js';
import {
  BACKEND_PREFERENCE,
  TFJS_NODE,
  TFJS_NODE_GPU,
  chooseBackend,
  tfjsNodePackageToTry,
  wasmThreadCount,
  type Availabilities,
} from './choose-backend.js';
import { MAX_WASM_THREADS, installNodePthreadWorker, reportCoresWhile } from './wasm-threads.js';

/**
 * Picks and initialises the TF.js backend once per process (the effectful
 * shell around choose-backend.ts): 'tensorflow' (tfjs-node-gpu, else
 * tfjs-node) > 'wasm' (with our kernel fixes, threads in Node) > 'cpu'.
 */

export interface BackendChoice {
  name: BackendName;
  /** Human-readable specifics, e.g. "SIMD, 2 threads" or "@tensorflow/tfjs-node (CPU)". */
  detail: string;
}

export interface InitBackendOptions {
  /** Force a backend (overrides SEAMFLOW_BACKEND). */
  backend?: BackendName;
  /** wasm threads (overrides SEAMFLOW_WASM_THREADS; default one per logical core, at most 8). */
  wasmThreads?: number;
}

const require = createRequire(import.meta.url);
const log = logger('backend');

let choice: Promise<BackendChoice> | undefined;
let disposed = false;

function isInstalled(pkg: string): boolean {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/**
 * A tfjs-node package counts only with its native binding built: a plain
 * `npm install` that skipped its (downloading) install script leaves the
 * package without one, and trying it first would hide a working sibling.
 */
function hasNativeBinding(pkg: string): boolean {
  if (!isInstalled(pkg)) return false;
  const lib = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'lib');
  try {
    return readdirSync(lib).some((d) => d.startsWith('napi-v') && existsSync(path.join(lib, d, 'tfjs_binding.node')));
  } catch {
    return false;
  }
}

function message(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? text;
}

/**
 * Whether the wasm backend can be used in this process as far as can be told
 * without initialising it: WebAssembly present, package and binaries installed.
 */
export function isWasmAvailable(): boolean {
  return wasmUnavailableReason() === undefined;
}

function wasmUnavailableReason(): string | undefined {
  if (typeof (globalThis as { WebAssembly?: unknown }).WebAssembly !== 'object') return 'this runtime has no WebAssembly';
  if (!isInstalled('@tensorflow/tfjs-backend-wasm')) return 'not installed';
  const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  if (!existsSync(path.join(dist, 'tfjs-backend-wasm-simd.wasm'))) return `no .wasm binaries in ${dist}`;
  return undefined;
}

/** What is usable as far as cheap checks tell; activation may still fail, which the caller records. */
function availabilities(failed: Partial<Record<BackendName, string>>): Availabilities {
  const tfjsNode = tfjsNodePackageToTry({ gpu: hasNativeBinding(TFJS_NODE_GPU), cpu: hasNativeBinding(TFJS_NODE) });
  const cheap: Record<BackendName, string | undefined> = {
    tensorflow: tfjsNode ? undefined : 'not installed (optional dependency whose install downloads libtensorflow)',
    wasm: wasmUnavailableReason(),
    cpu: undefined,
  };
  const out = {} as Availabilities;
  for (const b of BACKEND_PREFERENCE) {
    const reason = failed[b] ?? cheap[b];
    out[b] = reason === undefined ? { ok: true } : { ok: false, reason };
  }
  return out;
}

async function activateTensorflow(): Promise<string> {
  const pkg = tfjsNodePackageToTry({ gpu: hasNativeBinding(TFJS_NODE_GPU), cpu: hasNativeBinding(TFJS_NODE) });
  if (!pkg) throw new Error('not installed');
  // A CommonJS package, loaded with require so that it may be absent at build time. Present
  // without its native binary, it throws a plain Error after registering its kernels.
  require(pkg);
  if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkg} loaded but its backend did not initialise`);
  return `${pkg} (${pkg === TFJS_NODE_GPU ? 'GPU' : 'CPU'})`;
}

async function activateWasm(threads: number, threadsSource: string): Promise<string> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const { registerWasmKernelFixes } = await import('./wasm-kernels/register.js');
  registerWasmKernelFixes();
  let want = threads;
  if (want > 1) {
    try {
      installNodePthreadWorker();
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    } catch (err) {
      log.warn(`wasm threads unavailable (${message(err)}); using 1 thread`);
      want = 1;
    }
  }
  wasm.setThreadsCount(want);
  // The C++ side caps threads at half the logical cores it sees: show it enough.
  const ok = await reportCoresWhile(2 * want, () => tf.setBackend('wasm'));
  if (!ok) throw new Error('the wasm backend failed to initialise (see the warning above)');
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const actual = wasm.getThreadsCount();
  return `${simd ? 'SIMD' : 'no SIMD'}, ${actual} thread${actual === 1 ? '' : 's'} (${threadsSource})`;
}

async function activateCpu(): Promise<string> {
  if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend failed to initialise');
  // Silence its one-off "install tfjs-node" banner: our log line says the same.
  (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  return 'pure JS, slow: for tests and tiny models only';
}

async function select(opts: InitBackendOptions): Promise<BackendChoice> {
  const config = loadConfig();
  const forced = opts.backend ?? config.backend;
  const forcedBy = opts.backend ? 'initBackend({backend})' : 'SEAMFLOW_BACKEND';
  const cores = os.availableParallelism();
  const requested = opts.wasmThreads ?? config.wasmThreads;
  const threads = wasmThreadCount(requested, cores, MAX_WASM_THREADS);
  const threadsSource =
    requested !== undefined ? `requested ${requested}` : `one per core, ${cores} core${cores === 1 ? '' : 's'}`;
  const failed: Partial<Record<BackendName, string>> = {};
  // Each failed activation is recorded and the choice made again, so this ends.
  for (;;) {
    const decision = chooseBackend(availabilities(failed), forced, forcedBy);
    if (decision.kind === 'fail') throw new Error(decision.message);
    const name = decision.backend;
    try {
      const detail =
        name === 'tensorflow'
          ? await activateTensorflow()
          : name === 'wasm'
            ? await activateWasm(threads, threadsSource)
            : await activateCpu();
      // Why each preferred backend was passed over, so the one line tells the whole story.
      const final = availabilities(failed);
      const passed = forced
        ? []
        : BACKEND_PREFERENCE.slice(0, BACKEND_PREFERENCE.indexOf(name)).map((b) => {
            const a = final[b];
            return `${b}: ${a.ok ? 'not used' : a.reason}`;
          });
      log.info(`TF.js backend ${name}: ${detail}${forced ? `; forced by ${forcedBy}` : ''}${passed.length ? `; ${passed.join('; ')}` : ''}`);
      return { name, detail };
    } catch (err) {
      failed[name] = message(err);
    }
  }
}

/**
 * Chooses and initialises the backend on the first call; later calls return
 * the same choice (a later call forcing a different backend is an error).
 * A failed choice is not memoised, so it can be retried after fixing its cause.
 */
export async function initBackend(opts: InitBackendOptions = {}): Promise<BackendChoice> {
  if (disposed) throw new Error('initBackend after disposeBackend: the backend of this process is gone');
  if (!choice) {
    choice = select(opts);
    choice.catch(() => {
      choice = undefined;
    });
  }
  const made = await choice;
  if (opts.backend && opts.backend !== made.name) {
    throw new Error(`initBackend({backend: '${opts.backend}'}) but this process already uses '${made.name}'`);
  }
  return made;
}

/**
 * Releases the backend at the end of a process (or test file): removes it
 * from TF.js, which for wasm frees its heap and terminates its pthread
 * workers. The process cannot use TF.js afterwards.
 */
export async function disposeBackend(): Promise<void> {
  if (!choice || disposed) return;
  disposed = true;
  const made = await choice.catch(() => undefined);
  if (made && tf.findBackend(made.name)) tf.removeBackend(made.name);
}
