import { describe, expect, it } from 'vitest';
import { orchestrationOptions } from '../bench/suites/orchestration-options.js';
import { benchZoo } from '../bench/suites/zoo-bench-spec.js';
import { summariseTimings, taskTimings, type TaskEvent } from '../bench/suites/zoo-history.js';
import { analyseZoo, distribution, finishedOverTime, idealMakespan, medianIndex, quantile, type ZooRunTimes } from '../bench/suites/zoo-makespan.js';
import { planZoo } from '../infra/zoo/index.js';

describe('zoo makespan', () => {
  it('is ceil(N/W) GPU jobs back to back plus one target before and after its search', () => {
    expect(idealMakespan({ targets: 200, workers: 8, gpuSeconds: 2 })).toBe(50);
    expect(idealMakespan({ targets: 201, workers: 8, gpuSeconds: 2 })).toBe(52);
    expect(idealMakespan({ targets: 3, workers: 8, gpuSeconds: 1.5, preSeconds: 0.5, postSeconds: 0.25 })).toBe(2.25);
  });

  it('interpolates quantiles without reordering the input', () => {
    const v = [4, 1, 3, 2];
    expect(quantile(v, 0.5)).toBe(2.5);
    expect(quantile(v, 0)).toBe(1);
    expect(quantile(v, 1)).toBe(4);
    expect(v).toEqual([4, 1, 3, 2]);
    expect(quantile([], 0.5)).toBeNaN();
    expect(distribution([1, 2, 3])).toMatchObject({ p50: 2, min: 1, max: 3, mean: 2 });
  });

  it('picks the run with the median ratio (the lower middle of an even count)', () => {
    expect(medianIndex([1.2, 1.05, 1.1])).toBe(2);
    expect(medianIndex([1.2, 1.05, 1.1, 1.3])).toBe(2);
    expect(medianIndex([1.07])).toBe(0);
  });

  // 4 targets on 2 GPUs, D = 1 s, every stage 0.1 s before and after; on GPU 1 a 0.2 s gap:
  // 0.1 s until d's search is queued, 0.1 s to dispatch it.
  const times: ZooRunTimes = {
    zooStart: 0,
    zooEnd: 2600,
    workers: 2,
    gpuSeconds: 1,
    children: [
      { workflowId: 'a', start: 0, close: 1200 },
      { workflowId: 'b', start: 0, close: 1200 },
      { workflowId: 'c', start: 0, close: 2200 },
      { workflowId: 'd', start: 0, close: 2400 },
    ],
    gpuJobs: [
      { workflowId: 'a', worker: 0, scheduled: 90, start: 100, end: 1100 },
      { workflowId: 'b', worker: 1, scheduled: 90, start: 100, end: 1100 },
      { workflowId: 'c', worker: 0, scheduled: 500, start: 1100, end: 2100 },
      { workflowId: 'd', worker: 1, scheduled: 1200, start: 1300, end: 2300 },
    ],
  };

  it('compares the makespan with the ideal and says where the rest went', () => {
    const a = analyseZoo(times);
    expect(a.preSeconds).toBeCloseTo(0.1);
    expect(a.postSeconds).toBeCloseTo(0.1);
    expect(a.idealSeconds).toBeCloseTo(2.2);
    expect(a.makespanSeconds).toBeCloseTo(2.6);
    expect(a.ratio).toBeCloseTo(2.6 / 2.2);
    expect(a.targetsPerSecond).toBeCloseTo(4 / 2.6);
    expect(a.idealTargetsPerSecond).toBe(2);
    expect(a.headSeconds).toBeCloseTo(0.1);
    expect(a.tailSeconds).toBeCloseTo(0.3);
    expect(a.gpuGapSeconds).toBeCloseTo(0.2);
    expect(a.gapSeconds.max).toBeCloseTo(0.2);
    expect(a.gapStarvedSeconds).toBeCloseTo(0.1);
    expect(a.gapDispatchSeconds).toBeCloseTo(0.1);
    expect(a.jobOverSeconds).toBeCloseTo(0);
    expect(a.gpuBusyFraction).toBeCloseTo(4 / (2 * 2.6));
    expect(a.jobsPerWorker).toEqual([2, 2]);
    expect(a.latencySeconds.max).toBeCloseTo(2.4);
  });

  it('plots finished targets over time against W more every D', () => {
    const rows = finishedOverTime(times, analyseZoo(times));
    const ideal = rows.filter((r) => r.series === 'ideal');
    expect(ideal.map((r) => [r.seconds, r.finished])).toEqual([
      [0, 0],
      [1.2, 2],
      [2.2, 4],
    ]);
    const measured = rows.filter((r) => r.series === 'measured');
    expect(measured.map((r) => r.finished)).toEqual([0, 1, 2, 3, 4, 4]);
    expect(measured.at(-1)!.seconds).toBe(2.6);
  });
});

describe('zoo task timings from a history', () => {
  it('splits each task into its queue wait and its run, per name', () => {
    const events: TaskEvent[] = [
      { id: 1, time: 0, kind: 'scheduled', task: 'workflow', name: '' },
      { id: 2, time: 10, kind: 'started', scheduledId: 1 },
      { id: 3, time: 15, kind: 'completed', scheduledId: 1 },
      { id: 4, time: 15, kind: 'scheduled', task: 'activity', name: 'sampleDataset' },
      { id: 5, time: 40, kind: 'started', scheduledId: 4 },
      { id: 6, time: 100, kind: 'completed', scheduledId: 4 },
      // An activity still running: no timing.
      { id: 7, time: 100, kind: 'scheduled', task: 'activity', name: 'searchMasks' },
    ];
    const t = taskTimings(events);
    expect(t).toEqual([
      { name: 'workflow task', queueMs: 10, runMs: 5 },
      { name: 'sampleDataset', queueMs: 25, runMs: 60 },
    ]);
    const rows = summariseTimings([t, [{ name: 'workflow task', queueMs: 30, runMs: 5 }]]);
    expect(rows[0]).toMatchObject({ name: 'workflow task', perRun: 1, queueP50: 20, runP50: 5, queueSumPerRun: 20, runSumPerRun: 5 });
    expect(rows[1]).toMatchObject({ name: 'sampleDataset', perRun: 0.5, queueSumPerRun: 12.5 });
  });
});

describe('the bench zoo', () => {
  it('expands to exactly N distinct targets, each model with its own seed', () => {
    const zoo = benchZoo({ name: 'b', targets: 23, modelDir: '/m', concurrency: 16, continueAsNewAfter: 400, seedBase: 5 });
    const jobs = planZoo(zoo);
    expect(jobs).toHaveLength(23);
    expect(new Set(jobs.map((j) => `${j.model}/${j.target}`)).size).toBe(23);
    expect(zoo.models.map((m) => m.settings.seed)).toEqual([5, 6, 7]);
    expect(zoo.models[2]!.targets).toEqual(['c0', 'c1', 'c2']);
    expect(zoo).toMatchObject({ concurrency: 16, continueAsNewAfter: 400 });
    expect(jobs[0]!.spec).toMatchObject({ model: '/m', data: expect.stringMatching(/^synthetic:/), target: { mode: 'binary', classes: [0] } });
  });
});

describe('orchestration options', () => {
  it('defaults quick and full, and refuses bad values', () => {
    expect(orchestrationOptions({}, true)).toMatchObject({ part: 'both', zoo: { targets: 40, workers: 4, gpuSeconds: 2, concurrency: 16, repeats: 1 }, job: { limit: 2000 } });
    expect(orchestrationOptions({}, false).zoo).toMatchObject({ targets: 200, workers: 8, concurrency: 32, repeats: 3, workflowWorkers: 1 });
    expect(orchestrationOptions({ part: 'zoo', workers: '2', 'gpu-seconds': '1.5' }, false)).toMatchObject({ part: 'zoo', zoo: { workers: 2, gpuSeconds: 1.5, concurrency: 8 } });
    expect(() => orchestrationOptions({ part: 'all' }, false)).toThrow(/--part/);
    expect(() => orchestrationOptions({ concurrency: '65' }, false)).toThrow(/--concurrency/);
    expect(() => orchestrationOptions({ 'gpu-seconds': '0' }, false)).toThrow(/--gpu-seconds/);
  });
});
