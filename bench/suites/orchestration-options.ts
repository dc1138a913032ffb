/** The `orchestration` suite's flags and their defaults, quick and full (pure). */
import { ZOO_DEFAULTS } from '../../infra/zoo/zoo-spec.js';
import { flagNumber, flagString, type SuiteOptions } from '../lib/suite.js';

export type OrchestrationPart = 'job' | 'zoo' | 'both';

export interface OrchestrationOptions {
  part: OrchestrationPart;
  job: { limit: number; epochs: number; repeats: number };
  zoo: { targets: number; workers: number; gpuSeconds: number; concurrency: number; continueAsNewAfter: number; cpuWorkers: number; cpuSlots: number; workflowWorkers: number; repeats: number };
}

export const ORCHESTRATION_FLAGS =
  '--part job|zoo|both --limit N --epochs N --repeats N (job); --zoo-targets N --workers N --gpu-seconds D --concurrency N --continue-as-new-after N --cpu-workers N --cpu-slots N --workflow-workers N --zoo-repeats N (zoo)';

function int(flags: SuiteOptions['flags'], name: string, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = flagNumber(flags, name) ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`--${name} must be an integer from ${min} to ${max}, got ${v}`);
  return v;
}

export function orchestrationOptions(flags: SuiteOptions['flags'], quick: boolean): OrchestrationOptions {
  const part = flagString(flags, 'part') ?? 'both';
  if (part !== 'job' && part !== 'zoo' && part !== 'both') throw new Error(`--part must be job, zoo or both, got "${part}"`);
  const workers = int(flags, 'workers', quick ? 4 : 8, 1, 64);
  const targets = int(flags, 'zoo-targets', quick ? 40 : 200, 1, ZOO_DEFAULTS.maxRuns);
  const gpuSeconds = flagNumber(flags, 'gpu-seconds') ?? 2;
  if (!(gpuSeconds > 0)) throw new Error(`--gpu-seconds must be > 0, got ${gpuSeconds}`);
  return {
    part,
    job: { limit: int(flags, 'limit', quick ? 2000 : 10000, 1), epochs: int(flags, 'epochs', quick ? 2 : 4, 1), repeats: int(flags, 'repeats', quick ? 1 : 2, 1) },
    zoo: {
      targets,
      workers,
      gpuSeconds,
      // Twice the GPUs (at least 8): searches queue up while others run their CPU stages, so no GPU waits for one.
      concurrency: int(flags, 'concurrency', Math.min(ZOO_DEFAULTS.maxConcurrency, Math.max(8, 4 * workers)), 1, ZOO_DEFAULTS.maxConcurrency),
      continueAsNewAfter: int(flags, 'continue-as-new-after', ZOO_DEFAULTS.continueAsNewAfter, 1),
      cpuWorkers: int(flags, 'cpu-workers', 1, 1, 16),
      // The light stages wait on the store more than they compute: several at once per process.
      cpuSlots: int(flags, 'cpu-slots', 16, 1, 256),
      // Processes for workflow tasks only; 0 = the cpu workers run them too.
      workflowWorkers: int(flags, 'workflow-workers', 1, 0, 16),
      // Several measured zoos, median reported: this box is shared and one run can land in a burst of other work.
      repeats: int(flags, 'zoo-repeats', quick ? 1 : 3, 1, 20),
    },
  };
}
