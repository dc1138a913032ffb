/**
 * Latency of an export's three folders on a second backend. A process runs
 * one TF.js backend, so `seamflow compare --backend B --json` times them in a
 * child process, side by side and interleaved as exportModels does on the
 * active one (the accuracy it also prints, on a small class-balanced sample,
 * is not used here).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { LatencyResult } from '../../engine/eval/latency.js';
import type { BackendName } from '../../infra/config.js';
import { packageRoot } from '../../infra/paths.js';

export interface OtherBackendLatency {
  backend: string;
  latency: Record<'original' | 'masked' | 'compact', LatencyResult[]>;
  /** compact / original per batch size. */
  compactToOriginal: Record<string, number>;
}

const NAMES = ['original', 'masked', 'compact'] as const;

export async function latencyOnBackend(
  backend: BackendName,
  dirs: Record<(typeof NAMES)[number], string>,
  data: { spec: string; target: number },
  opts: { batchSizes: number[]; runs: number },
): Promise<OtherBackendLatency> {
  const args = [path.join(packageRoot, 'bin', 'seamflow.mjs'), 'compare', '--json', '--backend', backend, '--data', data.spec, '--target', String(data.target), '--limit', '100'];
  args.push('--batch-sizes', opts.batchSizes.join(','), '--runs', String(opts.runs));
  for (const n of NAMES) args.push('--model', dirs[n]);
  const { stdout } = await promisify(execFile)(process.execPath, args, { maxBuffer: 64 * 1024 * 1024 });
  const parsed = JSON.parse(stdout.slice(stdout.indexOf('{'))) as { backend: string; models: { latency: LatencyResult[] | null }[] };
  const latency = Object.fromEntries(NAMES.map((n, i) => [n, parsed.models[i]!.latency ?? []])) as OtherBackendLatency['latency'];
  const compactToOriginal: Record<string, number> = {};
  for (const l of latency.compact) {
    const base = latency.original.find((o) => o.batchSize === l.batchSize);
    if (base) compactToOriginal[String(l.batchSize)] = l.medianMs / base.medianMs;
  }
  return { backend: parsed.backend, latency, compactToOriginal };
}
