/** The zoo part's markdown section and its plot (targets finished over time vs the ideal), detailed for the median run. */
import { fmt, seconds, table } from '../lib/format.js';
import { renderSvg, stepLines } from '../lib/plots.js';
import { plotFile } from '../lib/result-files.js';
import type { ZooPartResult, ZooRun } from './orchestration-zoo.js';
import { SETTINGS_NOTE } from './orchestration-zoo-settings.js';
import { finishedOverTime, type Distribution } from './zoo-makespan.js';

export const ZOO_PLOT = 'zoo-finished';

export async function zooPlot(r: ZooPartResult): Promise<string> {
  const o = r.options;
  const run = r.runs[r.medianRun]!;
  return renderSvg(
    stepLines({
      title: `${o.targets} targets, ${o.workers} simulated GPUs x ${o.gpuSeconds} s: finished over time${r.runs.length > 1 ? ' (median run)' : ''}`,
      rows: finishedOverTime(run.times, run.analysis),
      x: 'seconds',
      y: 'finished',
      series: 'series',
      order: ['measured', 'ideal'],
      xTitle: 'seconds since the zoo started',
      yTitle: 'targets finished',
    }),
  );
}

const dist = (d: Distribution) => [fmt(d.p50), fmt(d.p90), fmt(d.p99), fmt(d.min), fmt(d.max), fmt(d.mean)];

function summaryTable(r: ZooPartResult): string {
  return table(
    ['run', 'makespan', 'ideal (pre + post)', 'makespan / ideal', 'throughput', 'completed', 'failed', 'max running', 'generations', 'load average before / after'],
    r.runs.map((run, i) => {
      const a = run.analysis;
      return [
        i === r.medianRun && r.runs.length > 1 ? `${i + 1} (median)` : i + 1,
        seconds(a.makespanSeconds),
        `${seconds(a.idealSeconds)} (${fmt(a.preSeconds)} + ${fmt(a.postSeconds)})`,
        fmt(a.ratio, 3),
        `${fmt(a.targetsPerSecond * 60, 1)} / min`,
        run.completed,
        run.failed,
        run.maxRunning,
        run.generations,
        `${fmt(run.loadAverage.before, 1)} / ${fmt(run.loadAverage.after, 1)}`,
      ];
    }),
  );
}

function runDetails(run: ZooRun, cores: number): string[] {
  const a = run.analysis;
  return [
    'Per-target latency (child run start to close, server times, seconds) and the gaps between consecutive GPU jobs of one process:',
    '',
    table(
      ['', 'p50', 'p90', 'p99', 'min', 'max', 'mean'],
      [
        ['target latency', ...dist(a.latencySeconds)],
        ['GPU gap', ...dist(a.gapSeconds)],
      ],
    ),
    '',
    'Where the time beyond the GPU work went:',
    '',
    table(
      ['zoo start to first GPU job', 'last GPU job to zoo result', 'GPU idle between jobs (all processes)', 'of it: no search queued', 'of it: dispatch', 'GPU job beyond D (median)', 'GPU busy', 'jobs per process'],
      [
        [
          seconds(a.headSeconds),
          seconds(a.tailSeconds),
          seconds(a.gpuGapSeconds),
          seconds(a.gapStarvedSeconds),
          seconds(a.gapDispatchSeconds),
          `${fmt(a.jobOverSeconds * 1000, 0)} ms`,
          `${fmt(a.gpuBusyFraction * 100, 1)} %`,
          a.jobsPerWorker.join(', '),
        ],
      ],
    ),
    '',
    '"No search queued": the GPU was free before the next search was even scheduled (the CPU stages and workflow tasks upstream were behind); ' +
      '"dispatch": the search was queued and waited for the poll and match (the SDK polls a one-slot worker only once its slot is free).',
    '',
    "Where a target's time goes, from the child runs' histories (ms; queue = scheduled to started, i.e. waiting for a worker slot and poll; run = started to completed):",
    '',
    table(
      ['task', 'per target', 'queue p50', 'queue p90', 'run p50', 'run p90', 'queue sum / target', 'run sum / target'],
      run.tasks.map((t) => [t.name, fmt(t.perRun, 1), fmt(t.queueP50, 0), fmt(t.queueP90, 0), fmt(t.runP50, 0), fmt(t.runP90, 0), fmt(t.queueSumPerRun, 0), fmt(t.runSumPerRun, 0)]),
    ),
    '',
    `The zoo's last run holds ${run.zooHistoryEvents} history events (${run.generations} generation(s)).`,
    '',
    `CPU used during the zoo (of ${fmt(cores * a.makespanSeconds, 0)} core-seconds on this ${cores}-core box, shared with other work): ` +
      `dev server ${fmt(run.cpuSeconds.server, 1)} s, cpu worker process(es) ${fmt(run.cpuSeconds.cpuWorkers, 1)} s, ` +
      `workflow-task process(es) ${fmt(run.cpuSeconds.workflowWorkers, 1)} s, ` +
      `gpu worker processes ${fmt(run.cpuSeconds.gpuWorkers, 1)} s, bench process ${fmt(run.cpuSeconds.bench, 1)} s.`,
    ...(run.errors.length ? ['', `Failed children: ${run.errors.join('; ')}`] : []),
  ];
}

export function zooMarkdown(r: ZooPartResult, base: string): string {
  const o = r.options;
  const median = r.runs[r.medianRun]!;
  const ratio = median.analysis.ratio;
  const many = r.runs.length > 1;
  return [
    `## Zoo: ${o.targets} targets over ${o.workers} worker processes`,
    '',
    `The real \`zooWorkflow\` (children: \`reengineerWorkflow\`) on a local Temporal dev server, concurrency ${o.concurrency}, ` +
      `continue-as-new after ${o.continueAsNewAfter} children. ${o.workers} gpu worker processes serve \`seam-gpu\` with one slot each; ` +
      `their \`searchMasks\` is the only simulated stage: it holds the slot for ${o.gpuSeconds} s in all (reading its inputs, then a sleep) and stores a valid search result ` +
      `(seeded half mask, initial head). ${o.cpuWorkers} cpu worker process(es) (${o.cpuSlots} activity slots each) run the real light stages ` +
      '(register model, sample data, evaluate original and re-engineered, masked + compact export, report) ' +
      `on a tiny conv net and a synthetic 10-class dataset, each target with its own seed so nothing comes from the cache; ` +
      (o.workflowWorkers > 0 ? `${o.workflowWorkers} more process(es) run the workflow tasks only. ` : 'the same process(es) run the workflow tasks. ') +
      `All on loopback with one filesystem store, after an untimed warm-up zoo of ${o.workers} targets${many ? `; ${r.runs.length} measured zoos, each with fresh seeds` : ''}.`,
    '',
    `Ideal = ceil(${o.targets}/${o.workers}) x ${o.gpuSeconds} s = ${Math.ceil(o.targets / o.workers) * o.gpuSeconds} s, plus the fastest stages ` +
      `before (pre) and after (post) one target's search observed in that run. Ideal throughput: ${fmt((o.workers / o.gpuSeconds) * 60, 1)} targets / min.`,
    '',
    summaryTable(r),
    '',
    `**${many ? 'Median makespan / ideal' : 'makespan / ideal'}: ${fmt(ratio, 3)}** (goal <= 1.10: ${ratio <= 1.1 ? 'within the goal' : 'over the goal'}).`,
    '',
    `![targets finished over time](${plotFile(base, ZOO_PLOT)})`,
    '',
    ...(many ? [`Details of the median run (${r.medianRun + 1}):`, ''] : []),
    ...runDetails(median, r.cores),
    '',
    SETTINGS_NOTE,
    '',
    `Start-up (dev server, bundle, ${o.workers + o.cpuWorkers + o.workflowWorkers} worker processes): ${seconds(r.startupSeconds)}; warm-up zoo: ${seconds(r.warmupSeconds)}.`,
  ].join('\n');
}
