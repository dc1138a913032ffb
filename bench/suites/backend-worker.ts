/**
 * One backend's measurements, in a process of its own (a backend, and wasm's
 * thread count, is fixed once per process). Prints one line
 * `BENCH_RESULT <json>` for the parent (backend.ts). Search and plain
 * training steps alternate in blocks, so their ratio is measured in one
 * process under the same conditions.
 *
 *   node --import tsx bench/suites/backend-worker.ts '<WorkerConfig json>'
 */
import * as tf from '@tensorflow/tfjs';
import { prepareParams, disposeParams } from '../../engine/graph/params.js';
import { disposeBackend, initBackend } from '../../infra/backend/index.js';
import type { BackendName } from '../../infra/config.js';
import { loadResnet20 } from '../lib/workload.js';
import { convStepTimes, inferenceTimes, searchStepTimes, trainStepTimes } from './backend-steps.js';

export interface WorkerConfig {
  label: string;
  backend: BackendName;
  wasmThreads?: number;
  inferBatch: number;
  inferWarmup: number;
  inferRuns: number;
  /** 0 skips the training measurements. */
  trainBatch: number;
  /** Timed steps per block; blocks alternate search / plain. */
  trainSteps: number;
  blocks: number;
}

export interface WorkerResult {
  label: string;
  backend: string;
  detail: string;
  inferBatch: number;
  inferMs: number[];
  trainBatch: number;
  searchStepMs: number[];
  plainStepMs: number[];
  /** The convolutions of one plain step alone (forward + both gradients of every conv2d). */
  convStepMs: number[];
  seconds: number;
}

async function run(cfg: WorkerConfig): Promise<WorkerResult> {
  const started = performance.now();
  const choice = await initBackend({ backend: cfg.backend, wasmThreads: cfg.wasmThreads });
  const { graph } = await loadResnet20();
  const params = prepareParams(graph);
  const log = (s: string) => process.stderr.write(`[bench:${cfg.label}] ${s}\n`);
  try {
    log(`backend ${choice.name}: ${choice.detail}`);
    const inferMs = await inferenceTimes(graph, params, cfg.inferBatch, cfg.inferWarmup, cfg.inferRuns);
    log(`inference batch ${cfg.inferBatch}: ${inferMs.map((t) => t.toFixed(0)).join(', ')} ms`);
    const searchStepMs: number[] = [];
    const plainStepMs: number[] = [];
    for (let b = 0; b < (cfg.trainBatch > 0 ? cfg.blocks : 0); b++) {
      // Alternate who goes first, so slow drift of the machine does not favour one side.
      const order = b % 2 === 0 ? (['search', 'plain'] as const) : (['plain', 'search'] as const);
      for (const kind of order) {
        const t =
          kind === 'search'
            ? await searchStepTimes(graph, params, cfg.trainBatch, cfg.trainSteps, 100 + b)
            : await trainStepTimes(graph, params, cfg.trainBatch, cfg.trainSteps, 100 + b);
        (kind === 'search' ? searchStepMs : plainStepMs).push(...t);
        log(`block ${b + 1}/${cfg.blocks} ${kind} step (batch ${cfg.trainBatch}): ${t.map((v) => v.toFixed(0)).join(', ')} ms`);
      }
    }
    const convStepMs = cfg.trainBatch > 0 ? await convStepTimes(graph, cfg.trainBatch, cfg.trainSteps, 300) : [];
    if (convStepMs.length) log(`convolutions of one step (batch ${cfg.trainBatch}): ${convStepMs.map((v) => v.toFixed(0)).join(', ')} ms`);
    return {
      label: cfg.label,
      backend: choice.name,
      detail: choice.detail,
      inferBatch: cfg.inferBatch,
      inferMs,
      trainBatch: cfg.trainBatch,
      searchStepMs,
      plainStepMs,
      convStepMs,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    disposeParams(params);
    if (tf.memory().numTensors > 10_000) log(`warning: ${tf.memory().numTensors} tensors alive`);
  }
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as WorkerConfig;
try {
  const result = await run(cfg);
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
  await disposeBackend();
  process.exit(0);
} catch (err) {
  process.stdout.write(`BENCH_RESULT ${JSON.stringify({ label: cfg.label, error: (err as Error).message.split('\n')[0] })}\n`);
  process.exit(1);
}
