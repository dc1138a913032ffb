/**
 * `orchestration`: what running through Temporal costs, in two parts.
 * - job: one re-engineering job directly through the engine vs as a workflow
 *   (orchestration-job.ts; goal ratio <= 1.02 on a job of several minutes);
 * - zoo: a zoo of short simulated-GPU targets over several worker processes
 *   (orchestration-zoo.ts; goal makespan within 10% of the ideal).
 * `--part job|zoo|both` picks them (default both). A one-part run keeps the
 * other part from the same day's result file, so the long job part can be
 * added to a zoo result later without measuring the zoo again.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { initBackend } from '../../infra/backend/index.js';
import type { Suite, SuiteOptions, SuiteOutput } from '../lib/suite.js';
import { jobMarkdown, runJobPart, type JobPartResult } from './orchestration-job.js';
import { orchestrationOptions } from './orchestration-options.js';
import { runZooPart, type ZooPartResult } from './orchestration-zoo.js';
import { ZOO_PLOT, zooMarkdown, zooPlot } from './orchestration-zoo-report.js';

/** Each part carries when it was measured, so a part kept through several one-part runs keeps its date. */
type Measured<T> = T & { measuredAt: string };

interface Earlier {
  job?: Measured<JobPartResult>;
  zoo?: Measured<ZooPartResult>;
}

async function earlierResult(opts: SuiteOptions): Promise<Earlier> {
  if (!opts.out) return {};
  try {
    const j = JSON.parse(await readFile(path.join(opts.out, `${opts.base}.json`), 'utf8')) as Earlier;
    // Only parts in the current shape (an older file may hold another one).
    return { ...(Array.isArray(j.job?.direct) ? { job: j.job } : {}), ...(Array.isArray(j.zoo?.runs) ? { zoo: j.zoo } : {}) };
  } catch {
    return {};
  }
}

export const orchestrationSuite: Suite = {
  name: 'orchestration',
  describe: 'Temporal overhead: one job direct vs as a workflow (ratio), and a simulated-GPU zoo over worker processes (makespan vs ideal)',
  async run(opts: SuiteOptions): Promise<SuiteOutput> {
    const o = orchestrationOptions(opts.flags, opts.quick);
    // The zoo part needs a backend only to build its tiny model; the job part for real.
    const backend = await initBackend();
    const earlier = o.part === 'both' ? {} : await earlierResult(opts);
    // The zoo first: it is the shorter part.
    const stamp = <T>(r: T): Measured<T> => ({ ...r, measuredAt: new Date().toISOString() });
    const zoo = o.part !== 'job' ? stamp(await runZooPart(o.zoo)) : earlier.zoo;
    const job = o.part !== 'zoo' ? stamp(await runJobPart({ ...o.job, backend })) : earlier.job;
    const kept = (which: 'job' | 'zoo', r: Measured<unknown>) =>
      o.part !== 'both' && o.part !== which ? `\n\n(Kept from an earlier run of this suite, measured ${r.measuredAt}.)` : '';

    const sections = [`# Orchestration overhead${opts.quick ? ' (quick)' : ''}`];
    sections.push(job ? jobMarkdown(job) + kept('job', job) : 'The job part (direct vs workflow) was not run (`--part zoo`).');
    sections.push(zoo ? zooMarkdown(zoo, opts.base) + kept('zoo', zoo) : 'The zoo part was not run (`--part job`).');
    return {
      json: {
        part: o.part,
        options: o,
        backend,
        ...(job ? { job } : {}),
        ...(zoo ? { zoo } : {}),
      },
      markdown: sections.join('\n\n'),
      plots: zoo ? { [ZOO_PLOT]: await zooPlot(zoo) } : {},
    };
  },
};
