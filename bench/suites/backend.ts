/**
 * `backend`: ResNet-20 inference and training throughput on every backend
 * available here, and the mask-search step cost relative to a plain training
 * step. Each backend runs in a child process (backend-worker.ts); the
 * children run one at a time, in rounds that interleave the backends, so a
 * slow spell of the shared machine touches them all. Medians after warm-up.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { modelCost } from '../../engine/eval/cost.js';
import { fmt, seconds, table } from '../lib/format.js';
import { groupedBars, renderSvg, type Row } from '../lib/plots.js';
import { say, since } from '../lib/progress.js';
import { plotFile } from '../lib/result-files.js';
import { median, ratio } from '../lib/stats.js';
import type { Suite, SuiteOptions, SuiteOutput } from '../lib/suite.js';
import { loadResnet20 } from '../lib/workload.js';
import type { WorkerConfig, WorkerResult } from './backend-worker.js';

const workerFile = fileURLToPath(new URL('./backend-worker.ts', import.meta.url));

/** The pure-JS cpu backend needs ~800 s for one ResNet-20 training step at batch 64 (PITFALLS.md). */
const CPU_TRAIN_SKIP = 'skipped: one ResNet-20 training step at batch 64 takes ~800 s on the pure-JS cpu backend (PITFALLS.md)';

export function backendConfigs(quick: boolean, cores: number): { configs: WorkerConfig[]; skipped: Record<string, string> } {
  const train = quick ? { trainBatch: 64, trainSteps: 2, blocks: 2 } : { trainBatch: 64, trainSteps: 4, blocks: 2 };
  const infer = quick ? { inferBatch: 256, inferWarmup: 1, inferRuns: 3 } : { inferBatch: 256, inferWarmup: 2, inferRuns: 6 };
  const configs: WorkerConfig[] = [
    { label: 'tensorflow', backend: 'tensorflow', ...infer, ...train },
    { label: 'wasm-1t', backend: 'wasm', wasmThreads: 1, ...infer, ...train },
  ];
  if (cores > 1) configs.push({ label: `wasm-${cores}t`, backend: 'wasm', wasmThreads: cores, ...infer, ...train });
  const skipped: Record<string, string> = {};
  if (quick) skipped['cpu'] = `skipped in --quick (inference alone is seconds per image); training ${CPU_TRAIN_SKIP}`;
  else configs.push({ label: 'cpu', backend: 'cpu', inferBatch: 1, inferWarmup: 1, inferRuns: 2, trainBatch: 0, trainSteps: 0, blocks: 0 });
  return { configs, skipped };
}

function runWorker(cfg: WorkerConfig): Promise<WorkerResult | { label: string; error: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', workerFile, JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      const text = d.toString();
      err += text;
      for (const line of text.split('\n')) if (line.startsWith('[bench:')) process.stderr.write(`  ${line}\n`);
    });
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (line) resolve(JSON.parse(line.slice('BENCH_RESULT '.length)) as WorkerResult);
      else resolve({ label: cfg.label, error: `worker exited ${code}: ${err.trim().split('\n').slice(-3).join(' / ')}` });
    });
  });
}

export interface BackendRow {
  label: string;
  backend: string;
  detail: string;
  inferImgPerS: number;
  inferGflops: number;
  trainImgPerS: number | null;
  trainGflops: number | null;
  searchImgPerS: number | null;
  searchToPlain: number | null;
  inferMedianMs: number;
  plainStepMedianMs: number | null;
  searchStepMedianMs: number | null;
  /** Convolutions alone of one plain step (median ms), and their share of the plain step. */
  convStepMedianMs: number | null;
  convShare: number | null;
}

/** Per-backend medians and throughputs; training counted as 3x forward FLOPs (forward, input and weight gradients). */
export function summarizeBackend(r: WorkerResult, flopsPerImage: number): BackendRow {
  const inferMs = median(r.inferMs);
  const plain = r.plainStepMs.length ? median(r.plainStepMs) : null;
  const search = r.searchStepMs.length ? median(r.searchStepMs) : null;
  const conv = r.convStepMs?.length ? median(r.convStepMs) : null;
  const perS = (batch: number, ms: number | null) => (ms === null ? null : (batch * 1000) / ms);
  const trainImg = perS(r.trainBatch, plain);
  return {
    label: r.label,
    backend: r.backend,
    detail: r.detail,
    inferImgPerS: perS(r.inferBatch, inferMs)!,
    inferGflops: (perS(r.inferBatch, inferMs)! * flopsPerImage) / 1e9,
    trainImgPerS: trainImg,
    trainGflops: trainImg === null ? null : (trainImg * 3 * flopsPerImage) / 1e9,
    searchImgPerS: perS(r.trainBatch, search),
    searchToPlain: plain !== null && search !== null ? ratio(search, plain) : null,
    inferMedianMs: inferMs,
    plainStepMedianMs: plain,
    searchStepMedianMs: search,
    convStepMedianMs: conv,
    convShare: conv !== null && plain !== null ? conv / plain : null,
  };
}

async function run(opts: SuiteOptions): Promise<SuiteOutput> {
  const started = performance.now();
  const cores = os.availableParallelism();
  const { configs, skipped } = backendConfigs(opts.quick, cores);
  const rounds = opts.quick ? 1 : 2;
  const { graph } = await loadResnet20();
  const flopsPerImage = modelCost(graph).flops;
  say(
    `backend suite: ${configs.map((c) => c.label).join(', ')} x ${rounds} round(s), interleaved; ` +
      `expected ${opts.quick ? '~2-3' : '~6-10'} min on 2 cores`,
  );
  const raw: (WorkerResult | { label: string; error: string })[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const cfg of configs) {
      say(`round ${r + 1}/${rounds}: ${cfg.label} (${since(started)} elapsed)`);
      raw.push(await runWorker(cfg));
    }
  }
  const errors: Record<string, string> = {};
  const merged = new Map<string, WorkerResult>();
  for (const r of raw) {
    if ('error' in r) {
      errors[r.label] = r.error;
      continue;
    }
    const m = merged.get(r.label);
    if (!m) merged.set(r.label, { ...r, inferMs: [...r.inferMs], searchStepMs: [...r.searchStepMs], plainStepMs: [...r.plainStepMs], convStepMs: [...r.convStepMs] });
    else {
      m.inferMs.push(...r.inferMs);
      m.searchStepMs.push(...r.searchStepMs);
      m.plainStepMs.push(...r.plainStepMs);
      m.convStepMs.push(...r.convStepMs);
      m.seconds += r.seconds;
    }
  }
  // A backend that failed in one round but ran in another keeps its measurements.
  for (const label of merged.keys()) delete errors[label];
  const rows = [...merged.values()].map((r) => summarizeBackend(r, flopsPerImage));
  const wasm1 = rows.find((r) => r.label === 'wasm-1t');

  const md: string[] = [];
  md.push(`# Benchmark: backends (ResNet-20, CIFAR-10 shapes)${opts.quick ? ' (quick)' : ''}`, '');
  md.push(
    `Each backend ran in its own process, ${rounds} round(s) interleaving the backends; medians after warm-up. ` +
      `Inference: engine raw-op forward at batch ${configs[0]!.inferBatch} (cpu: batch 1). Training: batch 64; ` +
      `"plain step" = all weights (conv kernels, folded BN scale/shift) + appended head trained with Adam through the same raw-op forward; ` +
      `"search step" = the engine's own SeaM mask-search step (runSearch, weights frozen, scores through the straight-through binariser, loss CE + alpha*WRR), timed between its progress callbacks. ` +
      `Effective GFLOP/s from modelCost: ${(flopsPerImage / 1e6).toFixed(1)} MFLOP per image forward, training counted as 3x forward.`,
    '',
  );
  md.push(
    table(
      ['backend', 'detail', 'inference img/s', 'inference GFLOP/s', 'train img/s', 'train GFLOP/s', 'search-step img/s', 'search / plain step', 'goal search/plain', 'train speed vs wasm 1 thread', 'goal (issue 8)', 'convs alone ms (share of plain step)'],
      rows.map((r) => [
        r.label,
        r.detail,
        fmt(r.inferImgPerS, 1),
        fmt(r.inferGflops, 2),
        fmt(r.trainImgPerS, 1),
        fmt(r.trainGflops, 2),
        fmt(r.searchImgPerS, 1),
        r.searchToPlain === null ? '-' : `${fmt(r.searchToPlain, 2)}x`,
        '<= 1.25x',
        wasm1?.trainImgPerS && r.trainImgPerS ? `${fmt(r.trainImgPerS / wasm1.trainImgPerS, 2)}x` : '-',
        r.backend === 'tensorflow' ? '>= 5x wasm' : '',
        r.convStepMedianMs === null ? '-' : `${fmt(r.convStepMedianMs, 0)} (${fmt((r.convShare ?? 0) * 100, 0)}%)`,
      ]),
    ),
    '',
  );
  const tfRow = rows.find((r) => r.backend === 'tensorflow');
  if (tfRow?.convStepMedianMs && wasm1?.plainStepMedianMs && wasm1.convStepMedianMs) {
    md.push(
      `**Ceiling of the training speedup**: the convolutions alone of one step (forward and both gradients of every conv2d at ResNet-20's shapes, batch 64) take ` +
        `${fmt(tfRow.convStepMedianMs, 0)} ms on tensorflow and ${fmt(wasm1.convStepMedianMs, 0)} ms on wasm (1 thread): ${fmt(wasm1.convStepMedianMs / tfRow.convStepMedianMs, 2)}x. ` +
        `Even if everything else in the tensorflow step (BatchNorm, activations, their gradients, the optimiser: ${fmt(tfRow.plainStepMedianMs! - tfRow.convStepMedianMs, 0)} ms now) cost nothing, ` +
        `its step could be at most ${fmt(wasm1.plainStepMedianMs / tfRow.convStepMedianMs, 2)}x the wasm step.`,
      '',
    );
  }
  for (const [label, why] of Object.entries({ ...skipped, ...errors })) md.push(`- **${label}**: ${why}`);
  if (Object.keys({ ...skipped, ...errors }).length) md.push('');
  if (rows.some((r) => r.backend === 'cpu')) md.push(`- **cpu** training: ${CPU_TRAIN_SKIP}`, '');
  md.push(
    `Where this differs from SeaM's setting: SeaM trained on a GPU (PyTorch); there is no published throughput to compare. ` +
      `This machine: ${cores} cores shared with other jobs, so absolute numbers move between runs; the ratios within one process (search / plain) are the robust figures.`,
    '',
  );
  const plotRows: Row[] = rows.flatMap((r) => [
    { backend: r.label, kind: 'inference', imgPerS: r.inferImgPerS },
    { backend: r.label, kind: 'train step', imgPerS: r.trainImgPerS },
    { backend: r.label, kind: 'mask-search step', imgPerS: r.searchImgPerS },
  ]);
  const svg = await renderSvg(
    groupedBars({ title: 'ResNet-20 throughput per backend (images/s)', rows: plotRows, x: 'backend', y: 'imgPerS', series: 'kind', yTitle: 'images / s' }),
  );
  md.push(`![throughput per backend](${plotFile(opts.base, 'throughput')})`, '');
  md.push(`Suite took ${seconds((performance.now() - started) / 1000)}.`);
  return {
    json: { settings: { configs, rounds, flopsPerImage, trainFlopsFactor: 3 }, summary: rows, skipped, errors, raw },
    markdown: md.join('\n'),
    plots: { throughput: svg },
  };
}

export const backendSuite: Suite = { name: 'backend', describe: 'ResNet-20 throughput per backend; search step vs plain step', run };
