import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DataError } from '../../engine/data/errors.js';
import { parseClassList } from '../../engine/data/target.js';
import { DefectInputError, evaluateDefect, type AttackKind } from '../../engine/defect/evaluate.js';
import { REUSE_DEFAULTS, type ReuseMethod, type ReuseStage } from '../../engine/defect/reuse.js';
import { ModelInputError } from '../../engine/graph/model-folder.js';
import { PoisonSpecError } from '../../engine/train/poison.js';
import { writeGraphFolder } from '../../engine/train/source-model.js';
import { initBackend } from '../../infra/backend/index.js';
import { logger } from '../../infra/log.js';
import { backendFlag, intFlag, numberFlag, oneOf, parseCommandLine, requireFlags } from '../flags.js';
import { pct } from '../format.js';
import { createProgressBar, type ProgressBar } from '../progress.js';
import { UsageError } from '../usage-error.js';

export const summary = 'Measure defect inheritance (adversarial DIR or backdoor ASR) of standard vs re-engineered (seam) reuse';

const HELP = `Usage: seamflow defect --teacher DIR --data SPEC --target CLASSES --method M --attack A --out DIR [options]

Reuses the teacher for the target task, then attacks the student:
  pgd       penultimate-layer-guided L-inf PGD on the teacher's feature extractor
            (eps 0.1, 40 steps of 0.01, random start), DIR of the student in percent;
  backdoor  the teacher's trigger (from its meta.json, see seamflow train --poison),
            attack success rate on the student in percent.
Writes OUT/report.json (student.accuracy, attack.{kind, dir | asr}, settings,
timings) and OUT/student/ (the student as a TF.js model).

  --teacher DIR          TF.js LayersModel folder (model.json + weights)
  --data SPEC            cifar10:DIR | mnist:DIR | fashion-mnist[:DIR] | synthetic[:k=v,...]
  --target CLASSES       target task classes, e.g. 0,1,2 (one class: binary)
  --method M             standard (fine-tune all) | seam (head, mask search, masked fine-tune)
  --attack A             pgd | backdoor
  --out DIR              where report.json goes
  --prune-threshold T    seam: fraction of weights to remove, in (0, 1)  [${REUSE_DEFAULTS.pruneThreshold}]
  --epochs N             fine-tuning epochs  [${REUSE_DEFAULTS.epochs}]
  --head-epochs N        seam step 1 epochs  [= --epochs]
  --search-epochs N      seam step 2: most search epochs  [${REUSE_DEFAULTS.searchEpochs}]
  --batch B              [${REUSE_DEFAULTS.batchSize}]
  --lr-backbone L        [${REUSE_DEFAULTS.lrBackbone}]    --lr-head L [${REUSE_DEFAULTS.lrHead}]
  --alpha A              seam search WRR weight  [${REUSE_DEFAULTS.alpha}]
  --lr-mask L            seam search score learning rate  [${REUSE_DEFAULTS.lrMask}]
  --augment              random crop + flip while fine-tuning
  --pgd-eps E            [0.1]   --pgd-steps N [40]   --pgd-step-size S [0.01]
  --limit N              cap the images of each split (class-balanced)
  --seed S               [0]
  --backend B            tensorflow | wasm | cpu (default: best available)`;

export async function run(argv: string[]): Promise<number> {
  const values = parseCommandLine(
    argv,
    {
      teacher: { type: 'string' },
      data: { type: 'string' },
      target: { type: 'string' },
      method: { type: 'string' },
      attack: { type: 'string' },
      out: { type: 'string' },
      'prune-threshold': { type: 'string' },
      epochs: { type: 'string' },
      'head-epochs': { type: 'string' },
      'search-epochs': { type: 'string' },
      batch: { type: 'string' },
      'lr-backbone': { type: 'string' },
      'lr-head': { type: 'string' },
      alpha: { type: 'string' },
      'lr-mask': { type: 'string' },
      augment: { type: 'boolean' },
      'pgd-eps': { type: 'string' },
      'pgd-steps': { type: 'string' },
      'pgd-step-size': { type: 'string' },
      limit: { type: 'string' },
      seed: { type: 'string' },
      backend: { type: 'string' },
    },
    HELP,
  );
  if (!values) return 0;
  requireFlags(values, ['teacher', 'data', 'target', 'method', 'attack', 'out']);
  const method = oneOf<ReuseMethod>('method', values.method, ['standard', 'seam'])!;
  const attack = oneOf<AttackKind>('attack', values.attack, ['pgd', 'backdoor'])!;
  const pos = (f: string) => numberFlag(f, values[f as keyof typeof values] as string | undefined, (n) => n > 0, 'a number > 0');
  const pruneThreshold = numberFlag('prune-threshold', values['prune-threshold'], (n) => n > 0 && n < 1, 'a number strictly between 0 and 1');
  const teacherDir = path.resolve(values.teacher!);
  const st = await stat(teacherDir).catch(() => undefined);
  if (!st) throw new UsageError(`--teacher ${values.teacher}: no such folder`);
  if (!(await stat(path.join(teacherDir, 'model.json')).catch(() => undefined))) throw new UsageError(`--teacher ${values.teacher}: no model.json in that folder`);
  let classes: number[];
  try {
    classes = parseClassList(values.target!);
  } catch (err) {
    throw new UsageError(`--target: ${(err as Error).message}`);
  }
  const epochs = intFlag('epochs', values.epochs, 1) ?? REUSE_DEFAULTS.epochs;
  const reuseSettings = {
    ...REUSE_DEFAULTS,
    method,
    epochs,
    headEpochs: intFlag('head-epochs', values['head-epochs'], 1),
    searchEpochs: intFlag('search-epochs', values['search-epochs'], 1) ?? REUSE_DEFAULTS.searchEpochs,
    batchSize: intFlag('batch', values.batch, 1) ?? REUSE_DEFAULTS.batchSize,
    lrBackbone: pos('lr-backbone') ?? REUSE_DEFAULTS.lrBackbone,
    lrHead: pos('lr-head') ?? REUSE_DEFAULTS.lrHead,
    alpha: numberFlag('alpha', values.alpha, (n) => n >= 0, 'a number >= 0') ?? REUSE_DEFAULTS.alpha,
    lrMask: pos('lr-mask') ?? REUSE_DEFAULTS.lrMask,
    augment: values.augment ?? false,
    seed: intFlag('seed', values.seed, 0) ?? 0,
    pruneThreshold: pruneThreshold ?? REUSE_DEFAULTS.pruneThreshold,
  };
  const pgd = {
    ...(values['pgd-eps'] !== undefined ? { eps: pos('pgd-eps')! } : {}),
    ...(values['pgd-steps'] !== undefined ? { steps: intFlag('pgd-steps', values['pgd-steps'], 1)! } : {}),
    ...(values['pgd-step-size'] !== undefined ? { stepSize: pos('pgd-step-size')! } : {}),
  };
  const limit = intFlag('limit', values.limit, 1);
  const backendName = backendFlag(values.backend);
  const log = logger('defect');
  const backend = await initBackend(backendName ? { backend: backendName } : {});
  const out = path.resolve(values.out!);
  log.info(`${method} reuse of ${teacherDir} for classes [${classes.join(', ')}], attack ${attack}, on ${backend.name} (${backend.detail})`);

  let bar: ProgressBar | undefined;
  let barStage: string | undefined;
  const stageNames: Record<ReuseStage, string> = { finetune: 'fine-tune', head: 'seam 1/3 head', search: 'seam 2/3 search', retrain: 'seam 3/3 fine-tune' };
  try {
    const { report, student } = await evaluateDefect(
      { teacher: teacherDir, data: values.data!, classes, limit, attack, reuse: reuseSettings, pgd },
      {
        onStage: (s) => log.info(`stage: ${stageNames[s]}`),
        onStep: (stage, done, total, note) => {
          if (barStage !== stage) {
            bar?.finish();
            bar = createProgressBar(stageNames[stage], total);
            barStage = stage;
          }
          bar!.update(done, note);
        },
        onPhase: (p) => {
          if (p === 'attack') {
            bar?.finish();
            bar = undefined;
            barStage = 'attack';
          }
        },
        onAttackProgress: (done, total) => {
          bar ??= createProgressBar(attack === 'pgd' ? 'pgd' : 'backdoor', total);
          bar.update(done);
        },
      },
    );
    bar?.finish();
    await mkdir(out, { recursive: true });
    await writeFile(path.join(out, 'report.json'), JSON.stringify(report, null, 2));
    await writeGraphFolder(path.join(out, 'student'), student, `student_${method}`);
    const a = report.attack;
    console.log(`student (${method}) accuracy ${pct(report.student.accuracy)} on ${report.student.testImages} test images`);
    if (report.seam) console.log(`seam: removed ${(report.seam.removed * 100).toFixed(1)}% of the backbone weights in ${report.seam.searchEpochs} search epochs${report.seam.reachedBySearch ? '' : ' (topped up: the search stopped short)'}`);
    if (a.kind === 'pgd') console.log(`DIR ${a.dir.toFixed(2)}% (${a.flipped} of ${a.correctClean} correct test images fooled)`);
    else console.log(`backdoor ASR ${a.asr.toFixed(2)}% (${a.hits}/${a.total}; teacher ${a.teacherAsr.toFixed(2)}%)`);
    console.log(`wrote ${path.join(out, 'report.json')}`);
    return 0;
  } catch (err) {
    if (err instanceof DataError || err instanceof DefectInputError || err instanceof ModelInputError || err instanceof PoisonSpecError) throw new UsageError(err.message);
    throw err;
  }
}
