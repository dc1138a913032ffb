/**
 * The zoo the orchestration bench runs (pure): N targets as a zoo file would
 * say them, one tiny model listed under M names x the 10 binary targets of a
 * synthetic 10-class dataset, each model name with its own seed. The seeds
 * make every problem, search and evaluation distinct, so no stage of any
 * target is served from the store's cache. Parsed by the real parseZoo.
 */
import { parseZoo, type ZooSpec } from '../../infra/zoo/index.js';

export const BENCH_ZOO_CLASSES = 10;

export interface BenchZooOptions {
  name: string;
  targets: number;
  modelDir: string;
  concurrency: number;
  continueAsNewAfter: number;
  /** Seed of the first model; the warm-up zoo uses another range so it caches nothing for the measured one. */
  seedBase: number;
}

export function benchZoo(o: BenchZooOptions): ZooSpec {
  const classes = BENCH_ZOO_CLASSES;
  const targets = Array.from({ length: classes }, (_, c) => ({ name: `c${c}`, classes: [c] }));
  const models = Array.from({ length: Math.ceil(o.targets / classes) }, (_, i) => {
    const left = o.targets - i * classes;
    return {
      name: `m${String(i).padStart(3, '0')}`,
      path: o.modelDir,
      settings: { seed: o.seedBase + i },
      ...(left < classes ? { targets: targets.slice(0, left).map((t) => t.name) } : {}),
    };
  });
  return parseZoo(
    JSON.stringify({
      name: o.name,
      datasets: { syn: `synthetic:classes=${classes}` },
      models,
      targets,
      settings: { granularity: 'weight', head: 'sliced', alpha: 1, lrMask: 0.05, lrHead: 0.1, epochs: 1, batchSize: 32 },
      concurrency: o.concurrency,
      continueAsNewAfter: o.continueAsNewAfter,
    }),
    { file: 'bench-zoo.json' },
  );
}
