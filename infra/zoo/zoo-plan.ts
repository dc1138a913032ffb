/**
 * From a zoo to its jobs: one per model x target, in file order, each a
 * complete ReengineerSpec. Pure and deterministic (workflow code calls it):
 * the same zoo always expands to the same jobs with the same child ids.
 */
import { DEFAULT_LR_HEAD, PUBLISHED_BATCH, PUBLISHED_EPOCHS, maskDefaults } from '../../engine/search/defaults.js';
import type { SearchSettings } from '../../engine/search/search.js';
import type { ReengineerSpec } from '../../workflows/types.js';
import type { ZooModel, ZooSpec, ZooTarget } from './zoo-spec.js';

export interface ZooJob {
  /** Position in the expansion: jobs run (start) in this order. */
  index: number;
  model: string;
  target: string;
  spec: ReengineerSpec;
}

/** Architecture family from a model's name or path ("resnet20-cifar10" -> resnet20), for published defaults. */
export function guessArchitectureFromName(text: string): string | undefined {
  const t = text.toLowerCase().replace(/[-_ ]/g, '');
  for (const arch of ['resnet20', 'resnet50', 'vgg16']) if (t.includes(arch)) return arch;
  return undefined;
}

/** Fills what the zoo left open: published (lrMask, alpha) for the model/dataset/mode, else the engine's defaults. */
export function resolveSettings(model: ZooModel, target: ZooTarget): SearchSettings {
  const s = model.settings;
  const kind = model.data.slice(0, model.data.indexOf(':') < 0 ? undefined : model.data.indexOf(':'));
  const d = maskDefaults(guessArchitectureFromName(`${model.name} ${model.model}`), kind, target.mode);
  const out: SearchSettings = {
    granularity: s.granularity ?? 'weight',
    head: s.head ?? 'appended',
    alpha: s.alpha ?? d.alpha,
    lrMask: s.lrMask ?? d.lrMask,
    lrHead: s.lrHead ?? DEFAULT_LR_HEAD,
    epochs: s.epochs ?? PUBLISHED_EPOCHS,
    batchSize: s.batchSize ?? PUBLISHED_BATCH,
    seed: s.seed ?? 0,
  };
  for (const k of ['headOnlyEvery', 'earlyStop', 'stopAtWrr', 'augment'] as const) {
    if (s[k] !== undefined) (out as unknown as Record<string, unknown>)[k] = s[k];
  }
  return out;
}

export function planZoo(zoo: ZooSpec): ZooJob[] {
  const jobs: ZooJob[] = [];
  for (const model of zoo.models) {
    for (const targetName of model.targets) {
      const target = zoo.targets.find((t) => t.name === targetName);
      if (!target) throw new Error(`zoo ${zoo.name}: model ${model.name} names unknown target ${targetName}`);
      const spec: ReengineerSpec = {
        model: model.model,
        data: model.data,
        target: { mode: target.mode, classes: [...target.classes] },
        settings: resolveSettings(model, target),
      };
      if (model.limit !== undefined) spec.limit = model.limit;
      if (model.valFraction !== undefined) spec.valFraction = model.valFraction;
      if (zoo.checkpointEverySteps !== undefined) spec.checkpointEverySteps = zoo.checkpointEverySteps;
      jobs.push({ index: jobs.length, model: model.name, target: target.name, spec });
    }
  }
  return jobs;
}

/** A workflow id made safe as an artifact key segment (schedule-started ids carry ':' from their timestamp). */
export function keySafeId(id: string): string {
  const s = id.replace(/[^A-Za-z0-9._=+-]/g, '-').replace(/^[^A-Za-z0-9_]+/, '');
  return (s === '' ? 'zoo' : s).slice(0, 200);
}

/** The child run id of one job: derived from the zoo run and the job, so a replay starts the same children. */
export function childRunId(zooRunId: string, job: Pick<ZooJob, 'model' | 'target'>): string {
  return `${keySafeId(zooRunId)}--${job.model}--${job.target}`;
}
