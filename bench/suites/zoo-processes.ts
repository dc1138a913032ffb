/**
 * The zoo's worker processes: forks one zoo-worker.ts per config, waits until
 * each has its Temporal worker running, gathers the GPU jobs they report, and
 * stops every one of them at the end (stop message, then SIGKILL after a grace
 * period), also when starting or the run failed.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { GpuJob } from './zoo-sim-search.js';
import type { ZooWorkerConfig, ZooWorkerMessage } from './zoo-worker.js';

const workerFile = fileURLToPath(new URL('./zoo-worker.ts', import.meta.url));

export interface WorkerPool {
  /** Every simulated GPU job so far, with the index of the gpu process that ran it. */
  gpuJobs: (GpuJob & { worker: number })[];
  processes: { role: ZooWorkerConfig['role']; index: number; pid: number }[];
  /** Rejects as soon as a worker process exits before stop(): race it against the run. */
  died: Promise<never>;
  stop(): Promise<void>;
}

export async function startWorkerPool(configs: ZooWorkerConfig[], opts: { readyTimeoutMs?: number; stopGraceMs?: number } = {}): Promise<WorkerPool> {
  const children: ChildProcess[] = [];
  const gpuJobs: WorkerPool['gpuJobs'] = [];
  const processes: WorkerPool['processes'] = [];
  let stopping = false;
  let reportDeath: (err: Error) => void = () => {};
  const died = new Promise<never>((_, reject) => (reportDeath = reject));
  died.catch(() => {}); // observed only by callers that race it

  const stop = async () => {
    stopping = true;
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const kill = setTimeout(() => c.kill('SIGKILL'), opts.stopGraceMs ?? 30_000);
            c.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            if (c.connected) c.send({ type: 'stop' });
            else c.kill('SIGTERM');
          }),
      ),
    );
  };

  const ready = configs.map((cfg) => {
    const child = fork(workerFile, [JSON.stringify(cfg)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(child);
    processes.push({ role: cfg.role, index: cfg.index, pid: child.pid! });
    const name = `${cfg.role} worker ${cfg.index} (pid ${child.pid})`;
    child.on('message', (m: ZooWorkerMessage) => {
      if (m.type === 'gpu-job') gpuJobs.push({ ...m.job, worker: m.index });
    });
    child.once('exit', (code, signal) => {
      if (!stopping) reportDeath(new Error(`${name} exited early (${signal ?? `code ${code}`})`));
    });
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} not ready after ${(opts.readyTimeoutMs ?? 120_000) / 1000} s`)), opts.readyTimeoutMs ?? 120_000);
      child.on('message', (m: ZooWorkerMessage) => {
        if (m.type === 'ready') {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited before it was ready (${signal ?? `code ${code}`})`));
      });
    });
  });
  try {
    await Promise.all(ready);
  } catch (err) {
    await stop();
    throw err;
  }
  return { gpuJobs, processes, died, stop };
}
