import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Worker as NodeWorker, type TransferListItem, type WorkerOptions } from 'node:worker_threads';

/**
 * Multi-threaded wasm (XNNPACK over pthreads) under Node.
 *
 * tfjs-backend-wasm 4.22 keeps threads off in Node; four obstacles, each
 * worked around here:
 *  1. The WASM_HAS_MULTITHREAD_SUPPORT flag is hard-coded false when IS_NODE:
 *     the caller sets the flag to true before initialising the backend.
 *  2. Emscripten starts each pthread as `new Worker(url)` where `url` is a
 *     `blob:` URL holding the worker script, and tells the worker to load the
 *     main module from a Blob: Node's worker_threads accepts neither. We put a
 *     Worker subclass on globalThis that starts the same script with
 *     `eval: true` and points the worker at the threaded-SIMD module's file
 *     in node_modules (wasm-out/). Emscripten assigns Node's Worker to
 *     globalThis.Worker during start-up, so ours is an accessor that keeps
 *     its value.
 *  3. The C++ side caps the thread pool at half the logical cores (as if
 *     every core were hyper-threaded; 1 thread on 2 cores) and at 8 (its
 *     pre-spawned worker pool). `reportCoresWhile` makes os.cpus() report
 *     enough cores while the module initialises; the count itself is set with
 *     setThreadsCount.
 *  4. Emscripten ref()s a worker while its pthread runs, and XNNPACK's pool
 *     threads run for the life of the backend, so the process would never
 *     exit without `tf.removeBackend('wasm')` or process.exit. XNNPACK only
 *     works inside a synchronous kernel call that the main thread joins, so
 *     nothing is lost by not letting the workers hold the event loop open:
 *     ref() is a no-op (a worker is still referenced while it loads, so
 *     start-up completes). disposeBackend() remains the orderly shutdown.
 */

/** XNNPACK's pool in tfjs-backend-wasm never exceeds its 8 pre-spawned workers. */
export const MAX_WASM_THREADS = 8;

const require = createRequire(import.meta.url);

function wasmOutDir(): string {
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
}

let installed = false;

/** Puts the pthread-capable Worker on globalThis (idempotent). Throws if the package files are missing. */
export function installNodePthreadWorker(): void {
  if (installed) return;
  const dir = wasmOutDir();
  const mainScript = path.join(dir, 'tfjs-backend-wasm-threaded-simd.js');
  const { wasmWorkerContents } = require(path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  require.resolve(mainScript); // fail now, not inside a worker, if the file is missing
  // The backend escapes newlines the same way before making its Blob.
  const workerSource = wasmWorkerContents.replace(/\n/g, '\\n');

  class PthreadWorker extends NodeWorker {
    constructor(url: string | URL, options?: WorkerOptions) {
      const isBlob = typeof url === 'string' && url.startsWith('blob:');
      if (isBlob) URL.revokeObjectURL(url);
      // execArgv: [] so the parent's loader flags (--import tsx, --input-type=module, ...)
      // do not turn this plain CommonJS glue into an ES module.
      super(isBlob ? workerSource : url, isBlob ? { ...options, eval: true, execArgv: [] } : options);
    }

    override ref(): void {}

    override postMessage(message: unknown, transferList?: readonly TransferListItem[]): void {
      // The "load" command carries the main module as a Blob; hand over its file instead.
      const m = message as { cmd?: unknown; urlOrBlob?: unknown } | null;
      if (m && m.cmd === 'load' && typeof m.urlOrBlob !== 'string') message = { ...m, urlOrBlob: mainScript };
      super.postMessage(message, transferList);
    }
  }

  Object.defineProperty(globalThis, 'Worker', {
    configurable: true,
    get: () => PthreadWorker,
    // Emscripten's own `globalThis.Worker = require('worker_threads').Worker` is ignored.
    set: () => {},
  });
  installed = true;
}

/** Runs `body` while os.cpus() reports at least `cores` entries, then restores it. */
export async function reportCoresWhile<T>(cores: number, body: () => Promise<T>): Promise<T> {
  // The backend reads the 'os' module object emscripten required, which is this one.
  const mutableOs = os as { cpus: () => os.CpuInfo[] };
  const original = mutableOs.cpus;
  const real = original();
  if (real.length >= cores || real.length === 0) return body();
  const padded = Array.from({ length: cores }, (_, i) => real[i % real.length] as os.CpuInfo);
  mutableOs.cpus = () => padded;
  try {
    return await body();
  } finally {
    mutableOs.cpus = original;
  }
}
