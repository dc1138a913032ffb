/**
 * `defect`: defect inheritance of standard vs seam reuse (METHOD.md, "Defect
 * inheritance"), through the engine's evaluateDefect (what `seamflow defect`
 * runs), on
 * - pgd: the shared ResNet-20 and the penultimate-layer-guided PGD (DIR);
 * - backdoor: a CNN trained here by `seamflow train`'s code with a BadNets
 *   trigger (ASR), cached under bench/tmp/;
 * for several CIFAR-10 class-subset tasks. Per task: student accuracy and
 * DIR/ASR of both methods, the relative reduction, beside SeaM's published
 * 57% and the goal (>= 60% fewer at <= 3 accuracy points lost).
 */
import os from 'node:os';
import path from 'node:path';
import { evaluateDefect, type DefectHooks, type DefectReport } from '../../engine/defect/evaluate.js';
import { REUSE_DEFAULTS, type ReuseMethod, type ReuseStage } from '../../engine/defect/reuse.js';
import { md5File } from '../../engine/data/md5.js';
import { initBackend } from '../../infra/backend/index.js';
import { createProgressBar, type ProgressBar } from '../../cli/progress.js';
import { pct, seconds } from '../lib/format.js';
import { say, since } from '../lib/progress.js';
import { PUBLISHED } from '../lib/published.js';
import type { Suite, SuiteOptions, SuiteOutput } from '../lib/suite.js';
import { loadCifar10, resnet20Dir } from '../lib/workload.js';
import { estimateSeconds } from './defect-estimate.js';
import { defectPlan, type AttackChoice, type DefectPlan } from './defect-plan.js';
import { renderDefectReport } from './defect-report.js';
import { defectRow, summarizeRows, type DefectRow } from './defect-rows.js';
import { GOAL_MAX_ACCURACY_LOST_POINTS, GOAL_REDUCTION_PERCENT } from './defect-summary.js';
import { backdooredTeacher, cachedTeacher, type TeacherResult } from './defect-teacher.js';

const STAGES: Record<ReuseStage, string> = { finetune: 'fine-tune', head: 'seam 1/3 head', search: 'seam 2/3 search', retrain: 'seam 3/3 fine-tune' };

/** Progress bars per reuse stage and for the attack (as `seamflow defect` shows them). */
function progressHooks(label: string): DefectHooks & { done(): void } {
  let bar: ProgressBar | undefined;
  let current: string | undefined;
  const open = (stage: string, total: number) => {
    bar?.finish();
    bar = createProgressBar(`[bench] ${label} ${stage}`, total, { logEveryMs: 15000 });
    current = stage;
  };
  return {
    onStep: (stage, done, total, note) => {
      if (current !== STAGES[stage]) open(STAGES[stage], total);
      bar!.update(done, note);
    },
    onAttackProgress: (done, total) => {
      if (current !== 'pgd') open('pgd', total);
      bar!.update(done);
    },
    done: () => bar?.finish(),
  };
}

/** MD5 of every file of a model folder (model.json and weight shards). */
async function modelMd5s(dir: string, files: string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of files) out[f] = await md5File(path.join(dir, f));
  return out;
}

async function run(opts: SuiteOptions): Promise<SuiteOutput> {
  const started = performance.now();
  // Other sessions share these cores: the load at the start explains a wall time far above the estimate.
  const loadAtStart = os.loadavg().map((v) => Math.round(v * 100) / 100);
  const plan: DefectPlan = defectPlan(opts);
  /** Every task's reuse settings; the method is set per student. */
  const reuse = { ...REUSE_DEFAULTS, epochs: plan.epochs, searchEpochs: plan.searchEpochs, pruneThreshold: plan.pruneThreshold, seed: plan.seed, ...plan.reuse };
  const backend = await initBackend();
  const { dataset, dir: dataDir } = await loadCifar10(plan.limit ?? undefined);
  const dataSpec = `cifar10:${dataDir}`;
  const wantsBackdoor = plan.attacks.includes('backdoor');
  const hit = wantsBackdoor ? await cachedTeacher(plan.teacher, dataset.checksums) : null;
  const estimate = estimateSeconds(plan, backend.name, hit !== null);
  const names = (t: number[]) => t.map((c) => dataset.classNames[c] ?? String(c)).join(',');
  say(
    `defect suite: attack(s) ${plan.attacks.join(' + ')}, ${plan.targets.length} task(s) [${plan.targets.map(names).join(' | ')}], standard vs seam reuse each; ` +
      `${plan.epochs} fine-tuning epoch(s), search <= ${plan.searchEpochs} epoch(s) to prune ${plan.pruneThreshold}, PGD ${plan.pgdSteps} steps; ` +
      `${plan.limit ? `at most ${plan.limit} images per split` : 'full CIFAR-10'}; ` +
      (wantsBackdoor ? `backdoored ${plan.teacher.arch} teacher ${hit ? 'cached' : `to train (${plan.teacher.epochs} epochs${plan.teacher.limit ? `, ${plan.teacher.limit} images` : ''})`}; ` : '') +
      `backend ${backend.name} (${backend.detail}); expected about ${seconds(estimate.seconds)} ` +
      `(teacher ${seconds(estimate.parts.teacher)}, pgd ${seconds(estimate.parts.pgd)}, backdoor ${seconds(estimate.parts.backdoor)}) on an otherwise idle machine`,
  );

  const teacher: TeacherResult | null = wantsBackdoor ? (hit ?? (await backdooredTeacher(plan.teacher, dataSpec, dataset.checksums))) : null;
  const teachers: Record<AttackChoice, { dir: string; label: string } | null> = {
    pgd: { dir: resnet20Dir(), label: 'resnet20 (shared)' },
    backdoor: teacher ? { dir: teacher.dir, label: `${plan.teacher.arch} (backdoored)` } : null,
  };

  const rows: DefectRow[] = [];
  const total = plan.attacks.length * plan.targets.length;
  for (const attack of plan.attacks) {
    const t = teachers[attack]!;
    // Standard and seam see the same adversarial images: PGD runs once per task.
    const adversarialCache = new Map<string, Float32Array>();
    for (const classes of plan.targets) {
      const label = `${rows.length + 1}/${total} ${attack} ${classes.join(',')}`;
      const reports = {} as Record<ReuseMethod, DefectReport>;
      for (const method of ['standard', 'seam'] as const) {
        const hooks = progressHooks(`${label} ${method}`);
        const { report } = await evaluateDefect(
          {
            teacher: t.dir,
            data: dataSpec,
            classes,
            limit: plan.limit ?? undefined,
            attack,
            reuse: { ...reuse, method },
            pgd: { steps: plan.pgdSteps },
            adversarialCache,
          },
          hooks,
        );
        hooks.done();
        reports[method] = report;
      }
      const row = defectRow(attack, t.label, reports.standard, reports.seam);
      rows.push(row);
      say(
        `${label} (${names(classes)}): accuracy ${pct(row.accuracy.standard)}% -> ${pct(row.accuracy.seam)}%, ` +
          `${row.defect.unit} ${row.defect.standard.toFixed(2)}% -> ${row.defect.seam.toFixed(2)}% ` +
          `(reduction ${row.reduction === null ? '-' : `${row.reduction.toFixed(1)}%`}); ${since(started)} elapsed`,
      );
    }
  }

  const summary = summarizeRows(rows);
  const elapsed = (performance.now() - started) / 1000;
  const md = await renderDefectReport({ base: opts.base, quick: opts.quick, plan, rows, summary, backend, estimateSeconds: estimate.seconds, elapsed, teacher, loadAtStart });
  return {
    json: {
      settings: { ...plan, reuse, estimate },
      backend,
      loadAverageAtStart: loadAtStart,
      teachers: {
        pgd: plan.attacks.includes('pgd') ? { dir: resnet20Dir(), md5: await modelMd5s(resnet20Dir(), ['model.json', 'group1-shard1of1.bin']) } : null,
        backdoor: teacher
          ? {
              dir: path.relative(process.cwd(), teacher.dir),
              key: teacher.key,
              cached: teacher.cached,
              trainSeconds: teacher.seconds,
              cleanAccuracy: teacher.meta.testAccuracy,
              asr: teacher.meta.poison!.asr,
              meta: teacher.meta,
              md5: await modelMd5s(teacher.dir, ['model.json', 'weights.bin']),
            }
          : null,
      },
      data: { spec: dataSpec, name: dataset.name, checksums: dataset.checksums, counts: { train: dataset.train.count, test: dataset.test.count } },
      rows,
      summary,
      goal: { reductionPercent: GOAL_REDUCTION_PERCENT, maxAccuracyLostPoints: GOAL_MAX_ACCURACY_LOST_POINTS },
      published: PUBLISHED,
    },
    markdown: md.markdown,
    plots: md.plots,
  };
}

export const defectSuite: Suite = {
  name: 'defect',
  describe: 'defect inheritance (adversarial DIR, backdoor ASR) of standard vs seam reuse, beside SeaM\'s 57% fewer',
  run,
};
