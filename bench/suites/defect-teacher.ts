/**
 * The backdoored teacher of the defect suite: trained by the engine's
 * `seamflow train` code (trainSourceModel, with --poison) on CIFAR-10 and
 * cached under bench/tmp/defect-teacher/<key>, keyed by every setting and the
 * data files' MD5s, so reruns (quick after quick, full after full) reuse it.
 * An interrupted training resumes from its per-epoch checkpoint.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { parsePoisonSpec } from '../../engine/train/poison.js';
import { CHECKPOINT_FILE, readTrainedMeta, trainSourceModel, type TrainedModelMeta } from '../../engine/train/source-model.js';
import { packageRoot } from '../../infra/paths.js';
import { createProgressBar, type ProgressBar } from '../../cli/progress.js';
import { say } from '../lib/progress.js';
import type { TeacherPlan } from './defect-plan.js';

/** Bump when the training code changes what a cached teacher would be. */
const CACHE_VERSION = 1;

export interface TeacherResult {
  dir: string;
  key: string;
  meta: TrainedModelMeta;
  cached: boolean;
  /** Seconds this run spent training (0 when cached). */
  seconds: number;
}

export function teacherKey(plan: TeacherPlan, dataChecksums: Record<string, string>): string {
  const text = JSON.stringify({ v: CACHE_VERSION, plan, data: Object.entries(dataChecksums).sort() });
  return `${plan.arch}-${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
}

export function teacherDir(key: string): string {
  return path.join(packageRoot, 'bench', 'tmp', 'defect-teacher', key);
}

export async function cachedTeacher(plan: TeacherPlan, dataChecksums: Record<string, string>): Promise<TeacherResult | null> {
  const key = teacherKey(plan, dataChecksums);
  const dir = teacherDir(key);
  const meta = await readTrainedMeta(dir);
  return meta?.kind === 'seamflow-trained-model' && meta.poison ? { dir, key, meta, cached: true, seconds: 0 } : null;
}

export async function backdooredTeacher(plan: TeacherPlan, dataSpec: string, dataChecksums: Record<string, string>): Promise<TeacherResult> {
  const hit = await cachedTeacher(plan, dataChecksums);
  if (hit) {
    say(`backdoored teacher: cached ${path.relative(process.cwd(), hit.dir)} (clean ${(hit.meta.testAccuracy * 100).toFixed(2)}%, ASR ${hit.meta.poison!.asr.toFixed(2)}%)`);
    return hit;
  }
  const key = teacherKey(plan, dataChecksums);
  const dir = teacherDir(key);
  const resume = Boolean(await stat(path.join(dir, CHECKPOINT_FILE)).catch(() => undefined));
  say(`backdoored teacher: training ${plan.arch} (width ${plan.width}) for ${plan.epochs} epoch(s) with ${plan.poison}${resume ? ', resuming its checkpoint' : ''} -> ${path.relative(process.cwd(), dir)}`);
  const started = performance.now();
  let bar: ProgressBar | undefined;
  const meta = await trainSourceModel(
    {
      arch: plan.arch,
      width: plan.width,
      data: dataSpec,
      limit: plan.limit ?? undefined,
      settings: { epochs: plan.epochs, batchSize: plan.batchSize, lr: plan.lr, schedule: 'cosine', momentum: 0.9, weightDecay: 5e-4, augment: plan.augment, seed: plan.seed },
      poison: parsePoisonSpec(plan.poison),
      out: dir,
      resume,
    },
    {
      onStep: (s, epochs) => {
        bar ??= createProgressBar('[bench] teacher', epochs * s.steps, { logEveryMs: 15000 });
        bar.update(s.epoch * s.steps + s.step, `epoch ${s.epoch + 1}/${epochs} loss ${s.loss.toFixed(3)} acc ${s.accuracy.toFixed(3)}`);
      },
    },
  );
  bar?.finish();
  const seconds = (performance.now() - started) / 1000;
  say(`backdoored teacher: clean ${(meta.testAccuracy * 100).toFixed(2)}%, ASR ${meta.poison!.asr.toFixed(2)}%, ${seconds.toFixed(0)} s`);
  return { dir, key, meta, cached: false, seconds };
}
