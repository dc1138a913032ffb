import path from 'node:path';
import { DataError } from '../../engine/data/errors.js';
import { ARCHITECTURES, isArchitecture } from '../../engine/train/architectures.js';
import { parsePoisonSpec, PoisonSpecError, type PoisonSpec } from '../../engine/train/poison.js';
import { TrainJobError, trainSourceModel } from '../../engine/train/source-model.js';
import { SCHEDULES, TrainCheckpointMismatchError, type Schedule, type TrainSettings } from '../../engine/train/train.js';
import { initBackend } from '../../infra/backend/index.js';
import { logger } from '../../infra/log.js';
import { backendFlag, intFlag, numberFlag, parseCommandLine, requireFlags, usage } from '../flags.js';
import { pct } from '../format.js';
import { createProgressBar, type ProgressBar } from '../progress.js';
import { UsageError } from '../usage-error.js';

export const summary = 'Train a source model from scratch (resnet20/32, vgg11, cnn), optionally with a backdoor, as a TF.js model folder';

const HELP = `Usage: seamflow train --arch A --data SPEC --epochs N --batch B --lr L --out DIR [options]

Trains from scratch (SGD, momentum 0.9, BatchNorm in training mode), checkpoints
every epoch to OUT/checkpoint.bin, and writes OUT/model.json + weights.bin (a
standard TF.js LayersModel taking [0, 1] pixels) and OUT/meta.json (dataset,
classes, test accuracy; for --poison the trigger and its attack success rate).

  --arch A             ${ARCHITECTURES.join(' | ')}
  --data SPEC          cifar10:DIR | mnist:DIR | fashion-mnist[:DIR] | synthetic[:k=v,...]
  --epochs N           training epochs
  --batch B            batch size
  --lr L               initial learning rate (e.g. 0.1)
  --out DIR            model folder to write
  --schedule S         ${SCHEDULES.join(' | ')}  [cosine]
  --augment            random crop (padding size/8) + horizontal flip
  --seed S             [0]
  --weight-decay W     [5e-4]
  --momentum M         [0.9]
  --width W            channel multiplier (cnn base width 16)  [1]
  --limit N            cap the images of each split (class-balanced)
  --poison SPEC        backdoor, e.g. trigger=patch:3x3:bottom-right,rate=0.05,target=0
  --resume             continue from OUT/checkpoint.bin
  --backend B          tensorflow | wasm | cpu (default: best available)`;

export async function run(argv: string[]): Promise<number> {
  const values = parseCommandLine(
    argv,
    {
      arch: { type: 'string' },
      data: { type: 'string' },
      epochs: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      schedule: { type: 'string' },
      augment: { type: 'boolean' },
      seed: { type: 'string' },
      'weight-decay': { type: 'string' },
      momentum: { type: 'string' },
      width: { type: 'string' },
      limit: { type: 'string' },
      poison: { type: 'string' },
      resume: { type: 'boolean' },
      out: { type: 'string' },
      backend: { type: 'string' },
    },
    HELP,
  );
  if (!values) return 0;
  requireFlags(values, ['arch', 'data', 'epochs', 'batch', 'lr', 'out']);
  const arch = values.arch!;
  if (!isArchitecture(arch)) throw new UsageError(`--arch must be one of ${ARCHITECTURES.join(', ')}, got "${arch}"`);
  const schedule = (values.schedule ?? 'cosine') as Schedule;
  if (!SCHEDULES.includes(schedule)) throw new UsageError(`--schedule must be one of ${SCHEDULES.join(', ')}, got "${values.schedule}"`);
  const settings: TrainSettings = {
    epochs: intFlag('epochs', values.epochs, 1)!,
    batchSize: intFlag('batch', values.batch, 1)!,
    lr: numberFlag('lr', values.lr, (n) => n > 0, 'a number > 0')!,
    schedule,
    momentum: numberFlag('momentum', values.momentum, (n) => n >= 0 && n < 1, 'a number in [0, 1)') ?? 0.9,
    weightDecay: numberFlag('weight-decay', values['weight-decay'], (n) => n >= 0, 'a number >= 0') ?? 5e-4,
    augment: values.augment ?? false,
    seed: intFlag('seed', values.seed, 0) ?? 0,
  };
  const width = numberFlag('width', values.width, (n) => n > 0, 'a number > 0');
  const limit = intFlag('limit', values.limit, 1);
  const poison: PoisonSpec | undefined = values.poison === undefined ? undefined : usage(() => parsePoisonSpec(values.poison!));
  const backendName = backendFlag(values.backend);
  const log = logger('train');
  const backend = await initBackend(backendName ? { backend: backendName } : {});
  const out = path.resolve(values.out!);
  log.info(`training ${arch} on ${values.data} with ${backend.name} (${backend.detail})`);

  let bar: ProgressBar | undefined;
  try {
    const meta = await trainSourceModel(
      { arch, width, data: values.data!, limit, settings, poison, out, resume: values.resume },
      {
        onData: (ds) => log.info(`${ds.name}: ${ds.train.count} training and ${ds.test.count} test images, ${ds.classNames.length} classes`),
        onResume: (done) => log.info(`resuming after epoch ${done} of ${settings.epochs}`),
        onStep: (s, epochs) => {
          bar ??= createProgressBar('train', epochs * s.steps);
          bar.update(s.epoch * s.steps + s.step, `epoch ${s.epoch + 1}/${epochs} loss ${s.loss.toFixed(3)} acc ${s.accuracy.toFixed(3)}`);
        },
        onEpoch: (r) => log.info(`epoch ${r.epoch + 1}: loss ${r.loss.toFixed(4)}, train accuracy ${(r.accuracy * 100).toFixed(2)}%, lr ${r.lr.toExponential(2)}, ${r.seconds.toFixed(1)}s`),
      },
    );
    bar?.finish();
    console.log(`test accuracy ${pct(meta.testAccuracy)} (${meta.testImages} images)`);
    if (meta.poison) console.log(`backdoor ${meta.poison.trigger} -> class ${meta.poison.target}: ${meta.poison.poisonedImages} poisoned training images, attack success rate ${meta.poison.asr.toFixed(2)}%`);
    console.log(`wrote ${path.join(out, 'model.json')} and ${path.join(out, 'meta.json')}`);
    return 0;
  } catch (err) {
    if (err instanceof DataError || err instanceof PoisonSpecError || err instanceof TrainJobError || err instanceof TrainCheckpointMismatchError) {
      throw new UsageError(err.message);
    }
    throw err;
  }
}
