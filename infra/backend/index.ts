/** The TF.js backend of a seamflow process: choose once, fix wasm's gaps, dispose at the end. */
export { initBackend, disposeBackend, isWasmAvailable } from './init-backend.js';
export type { BackendChoice, InitBackendOptions } from './init-backend.js';
export { chooseBackend, tfjsNodePackageToTry, wasmThreadCount, BACKEND_PREFERENCE } from './choose-backend.js';
export type { Availability, Availabilities, BackendDecision } from './choose-backend.js';
export { registerWasmKernelFixes } from './wasm-kernels/register.js';
export { MAX_WASM_THREADS } from './wasm-threads.js';
