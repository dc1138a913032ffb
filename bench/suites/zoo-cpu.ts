/** CPU seconds per kind of process over a measured span: which of them ate the cores (Linux /proc; null elsewhere). */
import { processCpuSeconds } from '../lib/proc-cpu.js';
import type { WorkerPool } from './zoo-processes.js';
import type { ZooWorkerConfig } from './zoo-worker.js';

export type CpuSeconds = Record<'server' | 'bench' | 'cpuWorkers' | 'workflowWorkers' | 'gpuWorkers', number | null>;

export function cpuSnapshot(pool: WorkerPool, serverPid: number | undefined): CpuSeconds {
  const sum = (role: ZooWorkerConfig['role']) => {
    const s = pool.processes.filter((p) => p.role === role).reduce((a, p) => a + (processCpuSeconds(p.pid) ?? NaN), 0);
    return Number.isFinite(s) ? s : null;
  };
  const { user, system } = process.cpuUsage();
  return {
    server: serverPid === undefined ? null : (processCpuSeconds(serverPid) ?? null),
    bench: (user + system) / 1e6,
    cpuWorkers: sum('cpu'),
    workflowWorkers: sum('workflows'),
    gpuWorkers: sum('gpu'),
  };
}

export function cpuDelta(before: CpuSeconds, after: CpuSeconds): CpuSeconds {
  const d = (k: keyof CpuSeconds) => (before[k] === null || after[k] === null ? null : after[k]! - before[k]!);
  return { server: d('server'), bench: d('bench'), cpuWorkers: d('cpuWorkers'), workflowWorkers: d('workflowWorkers'), gpuWorkers: d('gpuWorkers') };
}
