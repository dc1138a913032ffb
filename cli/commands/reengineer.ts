import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../engine/data/atomic-write.js';
import { augmentBatch } from '../../engine/data/augment.js';
import { DataError } from '../../engine/data/errors.js';
import { loadDataset } from '../../engine/data/load.js';
import { formatDatasetSpec, parseDatasetSpec } from '../../engine/data/spec.js';
import { makeTargetProblem, parseClassList, unusedNegatives } from '../../engine/data/target.js';
import type { Dataset, TargetMode, TargetProblem } from '../../engine/data/types.js';
import { DefectInputError } from '../../engine/defect/evaluate.js';
import { exportMaskedModel } from '../../engine/export/masked-model.js';
import { exportRun } from '../../engine/export/run-folder.js';
import { logitCount } from '../../engine/graph/forward.js';
import { loadGraph } from '../../engine/graph/import.js';
import { ModelInputError } from '../../engine/graph/model-folder.js';
import type { Graph } from '../../engine/graph/types.js';
import { packMaskSet } from '../../engine/masks/mask-file.js';
import { decodePlain, encodePlain } from '../../engine/plain-codec.js';
import { defectsSection, finetuneSection, originalSection, reengineeredSection } from '../../engine/report-fields.js';
import type { FinetuneCheckpoint } from '../../engine/finetune/finetune.js';
import { checkFinetunableHead, checkFreshNegatives, finetuneSettingsFor } from '../../engine/finetune/settings.js';
import { exportGraph } from '../../engine/graph/export.js';
import { checkCompatible, reengineer, type BaselineRule, type ReengineerResult } from '../../engine/reengineer.js';
import { DEFAULT_LR_HEAD, PUBLISHED_BATCH, PUBLISHED_EPOCHS, guessArchitecture, maskDefaults } from '../../engine/search/defaults.js';
import type { HeadKind } from '../../engine/search/head.js';
import {
  CheckpointMismatchError,
  SEARCH_SELECTS,
  SearchAbortedError,
  validateSettings,
  type SearchCheckpoint,
  type SearchSelect,
  type SearchSettings,
} from '../../engine/search/search.js';
import { PENALTIES, type Granularity, type Penalty } from '../../engine/masks/masks.js';
import { initBackend } from '../../infra/backend/index.js';
import type { BackendName } from '../../infra/config.js';
import { logger } from '../../infra/log.js';
import { DEFECT_FLAGS, DEFECT_HELP, formatDefects, parseDefectFlags } from '../defect-flags.js';
import { FINETUNE_FLAGS, FINETUNE_HELP, formatFinetune, parseFinetuneFlags } from '../finetune-flags.js';
import { measureDefectsDirect } from '../direct-defects.js';
import { measuredLayerCost } from '../measured-layer-cost.js';
import { createProgressBar } from '../progress.js';
import { intFlag, numberFlag as num, oneOf, parseCommandLine, requireFlags, usage } from '../flags.js';
import { mflops, pct } from '../format.js';
import { UsageError } from '../usage-error.js';

export const summary = 'Re-engineer a trained model for a target problem (SeaM mask search)';

const HELP = `Usage: seamflow reengineer --model DIR --data SPEC --target CLASSES --out DIR [options]

  --model DIR          TF.js LayersModel folder (model.json + weight shards)
  --data SPEC          cifar10:DIR | mnist:DIR | fashion-mnist[:DIR] | synthetic[:k=v,...]
  --target CLASSES     one class (binary: it against the rest) or a list like 0,1,8,9
  --out DIR            where report.json, masks/, masked-model/ and checkpoint go
  --mode M             binary | multiclass (default: binary for one class, else multiclass)
  --granularity G      weight (published) | filter (one score per filter/neuron)  [weight]
  --head H             appended (ReLU -> Dense, published) | sliced (target rows, no new params)  [appended]
  --alpha A            WRR weight in the loss            [published per setting, else 1.0]
  --penalty P          params (WRR, published) | flops: alpha weighs the kept share of the
                       FLOPs instead, so filters that cost time go first (with --granularity filter)
                       | latency: FLOPs plus a fixed cost per layer still running, so whole
                       layers go on backends with a large per-layer cost  [params]
  --layer-cost MACS    with --penalty latency: that fixed cost in MACs per image (\`seamflow
                       layer-cost\` measures it)  [--direct: measured on the active backend]
  --lr-mask L          Adam learning rate of the scores  [published per setting, else 0.05]
  --lr-head L          Adam learning rate of the head    [${DEFAULT_LR_HEAD}]
  --epochs N           [${PUBLISHED_EPOCHS}]   --batch B [${PUBLISHED_BATCH}]   --seed S [0]
  --limit N            cap the images of each split (class-balanced)
  --val-fraction F     training share held out for model selection  [0.1]
  --augment | --no-augment   random crop (pad 4) + flip  [on for cifar10]
  --baseline R         published | restricted: the original accuracy selection must reach [published]
  --early-stop P       stop after P epochs below the original once it was reached  [0 = off]
  --stop-at-wrr W      stop once an epoch's WRR <= W
  --stop-mid-epoch     with --stop-at-wrr: check after every step, so the search stops at the
                       first masks <= W instead of up to an epoch of pruning past them
  --select validation|last  the masks returned: the published validation rule, or the last epoch's
                       ([ours], for a search followed by fine-tuning)  [validation]
  --checkpoint-every N also checkpoint every N steps (always at epoch ends)  [50]
  --latency            time inference (batch 1/16/64) of the original and the result
  --backend B          tensorflow | wasm | cpu (default: best available)

${FINETUNE_HELP}

${DEFECT_HELP}

How it runs:
  default              as a durable Temporal run (the configured cluster, or with no
                       TEMPORAL_ADDRESS an embedded dev server and in-process workers);
                       artifacts in the store, then copied to --out (report.json, masks/,
                       masked/, compact/). Rerunning the same command resumes from the last
                       checkpoint and reuses every finished stage.
  --detach             submit and return the run id (watch with \`seamflow status ID --watch\`)
  --run-id ID          name the run (default: reengineer-<time>-<random>)
  --direct             in this process without Temporal (no store); also writes OUT/checkpoint
  --resume             with --direct: continue from OUT/checkpoint
  --no-export          with --direct: skip the masked/compact export and its latency measurement`;

const log = logger('reengineer');

export async function run(argv: string[]): Promise<number> {
  const values = parseCommandLine(
    argv,
    {
        model: { type: 'string' },
        data: { type: 'string' },
        target: { type: 'string' },
        out: { type: 'string' },
        mode: { type: 'string' },
        granularity: { type: 'string' },
        head: { type: 'string' },
        alpha: { type: 'string' },
        penalty: { type: 'string' },
        'layer-cost': { type: 'string' },
        'lr-mask': { type: 'string' },
        'lr-head': { type: 'string' },
        epochs: { type: 'string' },
        batch: { type: 'string' },
        seed: { type: 'string' },
        limit: { type: 'string' },
        'val-fraction': { type: 'string' },
        augment: { type: 'boolean' },
        'no-augment': { type: 'boolean' },
        baseline: { type: 'string' },
        'early-stop': { type: 'string' },
        'stop-at-wrr': { type: 'string' },
        'stop-mid-epoch': { type: 'boolean' },
        select: { type: 'string' },
        'checkpoint-every': { type: 'string' },
        resume: { type: 'boolean' },
        direct: { type: 'boolean' },
        detach: { type: 'boolean' },
        'run-id': { type: 'string' },
        'no-export': { type: 'boolean' },
        latency: { type: 'boolean' },
        backend: { type: 'string' },
        ...DEFECT_FLAGS,
        ...FINETUNE_FLAGS,
    },
    HELP,
  );
  if (!values) return 0;
  requireFlags(values, ['model', 'data', 'target', 'out']);
  if (values.augment && values['no-augment']) throw new UsageError('--augment and --no-augment are mutually exclusive');
  if (values.resume && !values.direct) throw new UsageError('--resume is for --direct runs; a Temporal run resumes by running the same command again');
  if (values.detach && values.direct) throw new UsageError('--detach and --direct are mutually exclusive');

  // Everything checkable without loading anything, first.
  const alpha = num('alpha', values.alpha, (n) => n >= 0, 'a number >= 0');
  const lrMask = num('lr-mask', values['lr-mask'], (n) => n > 0, 'a number > 0');
  const lrHead = num('lr-head', values['lr-head'], (n) => n > 0, 'a number > 0') ?? DEFAULT_LR_HEAD;
  const epochs = intFlag('epochs', values.epochs, 1) ?? PUBLISHED_EPOCHS;
  const batchSize = intFlag('batch', values.batch, 1) ?? PUBLISHED_BATCH;
  const seed = intFlag('seed', values.seed, 0) ?? 0;
  const limit = intFlag('limit', values.limit, 1);
  const valFraction = num('val-fraction', values['val-fraction'], (n) => n > 0 && n < 1, 'a number in (0, 1)') ?? 0.1;
  const earlyStop = intFlag('early-stop', values['early-stop'], 0) ?? 0;
  const stopAtWrr = num('stop-at-wrr', values['stop-at-wrr'], (n) => n >= 0 && n <= 1, 'a number in [0, 1]');
  if (values['stop-mid-epoch'] && stopAtWrr === undefined) throw new UsageError('--stop-mid-epoch needs --stop-at-wrr');
  const checkpointEvery = intFlag('checkpoint-every', values['checkpoint-every'], 0) ?? 50;
  const granularity = oneOf<Granularity>('granularity', values.granularity, ['weight', 'filter']) ?? 'weight';
  const headKind = oneOf<HeadKind>('head', values.head, ['appended', 'sliced']) ?? 'appended';
  const penalty = oneOf<Penalty>('penalty', values.penalty, PENALTIES);
  const givenLayerCost = num('layer-cost', values['layer-cost'], (n) => n >= 0, 'a number >= 0 (MACs per image)');
  if (givenLayerCost !== undefined && penalty !== 'latency') throw new UsageError('--layer-cost is only for --penalty latency');
  if (penalty === 'latency' && givenLayerCost === undefined && !values.direct) {
    throw new UsageError('--penalty latency on Temporal needs --layer-cost (measure it on a worker with `seamflow layer-cost`)');
  }
  const select = oneOf<SearchSelect>('select', values.select, SEARCH_SELECTS);
  const baselineRule = oneOf<BaselineRule>('baseline', values.baseline, ['published', 'restricted']) ?? 'published';
  const backendName = oneOf<BackendName>('backend', values.backend, ['tensorflow', 'wasm', 'cpu']);
  const defects = parseDefectFlags(values, seed);
  const finetuneRequest = parseFinetuneFlags(values);
  let classes = usage(() => parseClassList(values.target!));
  const mode = oneOf<TargetMode>('mode', values.mode, ['binary', 'multiclass']) ?? (classes.length === 1 ? 'binary' : 'multiclass');
  if (finetuneRequest) {
    usage(() => checkFinetunableHead({ kind: headKind, mode }));
    usage(() => checkFreshNegatives(finetuneRequest, mode));
  }
  const dataSpec = usage(() => parseDatasetSpec(values.data!));
  const modelDir = path.resolve(values.model!);
  const outDir = path.resolve(values.out!);

  const backend = await initBackend(backendName ? { backend: backendName } : {});
  const layerCost = penalty === 'latency' ? (givenLayerCost ?? (await measuredLayerCost())) : undefined;
  const graph = await asUsage(() => loadGraph(modelDir));
  const numLogits = usage(() => logitCount(graph));

  const dataBar = createProgressBar('data', 1);
  const dataset = await asUsage(() =>
    loadDataset(dataSpec, {
      limit,
      onProgress: (done: number, total: number) => {
        dataBar.setTotal(total);
        dataBar.update(done);
      },
    }),
  );
  dataBar.finish(`${dataset.name}: ${dataset.train.count} train, ${dataset.test.count} test`);
  if (dataset.classNames.length !== numLogits) {
    throw new UsageError(`model has ${numLogits} outputs but dataset ${dataset.name} has ${dataset.classNames.length} classes`);
  }
  classes = usage(() => parseClassList(values.target!, numLogits));
  const problem = usage(() => makeTargetProblem(dataset, { mode, classes, seed, valFraction }));
  await asUsage(async () => checkCompatible(graph, problem));

  const arch = guessArchitecture(graph, path.basename(modelDir));
  const defaults = maskDefaults(arch, dataset.name, mode);
  const augment = values.augment ?? (values['no-augment'] ? false : dataset.name === 'cifar10');
  const settings: SearchSettings = {
    granularity,
    head: headKind,
    alpha: alpha ?? defaults.alpha,
    ...(penalty ? { penalty } : {}),
    ...(layerCost === undefined ? {} : { layerCost }),
    lrMask: lrMask ?? defaults.lrMask,
    lrHead,
    epochs,
    batchSize,
    seed,
    earlyStop,
    stopAtWrr,
    ...(values['stop-mid-epoch'] ? { stopMidEpoch: true } : {}),
    ...(select ? { select } : {}),
    augment,
  };
  usage(() => validateSettings(settings));
  const finetune = finetuneRequest ? finetuneSettingsFor(finetuneRequest, settings) : undefined;

  if (!values.direct) {
    const { reengineerViaTemporal } = await import('../reengineer-via-temporal.js');
    return reengineerViaTemporal(
      {
        model: modelDir,
        data: formatDatasetSpec(dataSpec),
        target: { mode, classes },
        settings,
        limit,
        valFraction,
        checkpointEverySteps: checkpointEvery,
        ...(defects ? { defects } : {}),
        ...(finetuneRequest ? { finetune: finetuneRequest } : {}),
      },
      outDir,
      { detach: values.detach, runId: values['run-id'] },
    );
  }

  await mkdir(outDir, { recursive: true });
  const ckptFile = path.join(outDir, 'checkpoint');
  const finetuneCkptFile = path.join(outDir, 'finetune-checkpoint');
  const fingerprint = await fingerprintOf(modelDir, formatDatasetSpec(dataSpec), dataset, problem, { limit, valFraction, baselineRule });
  let resumeFrom: SearchCheckpoint | undefined;
  if (values.resume) {
    const bytes = await readFile(ckptFile).catch(() => undefined);
    if (!bytes) throw new UsageError(`--resume: no checkpoint at ${ckptFile}`);
    resumeFrom = usage(() => decodePlain<SearchCheckpoint>(new Uint8Array(bytes)));
    if (resumeFrom.fingerprint !== fingerprint) {
      throw new UsageError(`--resume: ${ckptFile} was made for a different model, data, target or split`);
    }
    log.info(searchFinished(resumeFrom, epochs) ? `search finished in the checkpoint (${resumeFrom.epoch} epochs)` : `resuming at epoch ${resumeFrom.epoch + 1}, step ${resumeFrom.step}`);
  }
  const finetuneResume = values.resume && finetune && searchFinished(resumeFrom, epochs) ? await readFinetuneCheckpoint(finetuneCkptFile) : undefined;
  if (finetuneResume) log.info(`resuming fine-tuning after epoch ${finetuneResume.train.epoch} of ${finetuneResume.train.settings.epochs}`);

  log.info(
    `${graph.name} (${arch ?? 'unknown architecture'}) on ${dataset.name}, ${mode} [${classes.join(', ')}]: ` +
      `${problem.train.count} train / ${problem.val.count} val / ${problem.test.count} test, backend ${backend.name} (${backend.detail})`,
  );
  log.info(`alpha ${settings.alpha}, lrMask ${settings.lrMask}: ${alpha === undefined || lrMask === undefined ? defaults.source : 'given'}`);

  const steps = Math.ceil(problem.train.count / batchSize);
  const bar = createProgressBar('search', epochs * steps);
  const ftBar = finetune ? createProgressBar('finetune', finetune.epochs * steps) : undefined;
  let lastEpochNote = '';
  const ctl = new AbortController();
  const onSigint = () => ctl.abort();
  process.once('SIGINT', onSigint);
  const started = Date.now();
  let result: ReengineerResult;
  try {
    result = await reengineer(graph, problem, {
      settings,
      baseline: baselineRule,
      latency: values.latency ? { batchSizes: [1, 16, 64], warmup: 3, runs: 10 } : false,
      onStage: (stage) => {
        if (stage === 'finetune') bar.finish('search done');
        else if (stage !== 'search') log.info(stage.replace('-', ' '));
      },
      finetune: finetune && {
        settings: finetune,
        ...(finetune.freshNegatives ? { unusedNegatives: unusedNegatives(dataset, { mode, classes, seed }) } : {}),
        hooks: {
          fingerprint,
          resumeFrom: finetuneResume,
          onStep: (p) => ftBar!.update(p.epoch * p.steps + p.step, `ep ${p.epoch + 1}/${finetune.epochs} loss ${p.loss.toFixed(3)} acc ${pct(p.accuracy)}`),
          onEpoch: (r) => ftBar!.update((r.epoch + 1) * steps, `ep ${r.epoch + 1}: val ${pct(r.valAccuracy)}`),
          onCheckpoint: async (c) => writeFileAtomic(finetuneCkptFile, encodePlain(c)),
        },
      },
      hooks: {
        fingerprint,
        resumeFrom,
        signal: ctl.signal,
        checkpointEverySteps: checkpointEvery,
        augmenter: augment ? (img, n, h, w, c, rng) => augmentBatch(img, n, h, w, c, rng, { flip: dataset.name === 'cifar10' }) : undefined,
        onStep: (p) => {
          bar.update(
            p.epoch * steps + p.step,
            `ep ${p.epoch + 1}/${p.epochs} ${p.phase} loss ${p.loss.toFixed(3)} acc ${pct(p.accuracy)} wrr ${pct(p.wrr)}${lastEpochNote}`,
          );
        },
        onEpoch: (r) => {
          lastEpochNote = ` | ep ${r.epoch + 1}: val ${pct(r.valAccuracy)} wrr ${pct(r.wrr)}${r.newBest ? ' *' : ''}`;
          bar.update((r.epoch + 1) * steps, lastEpochNote.slice(3));
        },
        onCheckpoint: async (c) => writeFileAtomic(ckptFile, encodePlain(c)),
      },
    });
  } catch (err) {
    if (err instanceof CheckpointMismatchError) throw new UsageError(`--resume: ${err.message}`);
    if (err instanceof SearchAbortedError) {
      bar.finish('stopped');
      log.info(`stopped; checkpoint in ${ckptFile}; continue with the same command and --resume`);
      return 130;
    }
    throw err;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  const seconds = (Date.now() - started) / 1000;
  if (result.finetuned) ftBar!.finish(`done: val ${pct(result.finetuned.valAccuracy)}`);
  else bar.finish(`done: wrr ${pct(result.reengineered.wrr)} val ${pct(result.reengineered.valAccuracy)}`);

  // Outputs: masks, masked model, report.
  const { index, bin } = packMaskSet(result.search.masks);
  await mkdir(path.join(outDir, 'masks'), { recursive: true });
  await writeFileAtomic(path.join(outDir, 'masks', 'masks.bin'), bin);
  await writeFileAtomic(path.join(outDir, 'masks', 'masks.json'), JSON.stringify(index, null, 1));
  // The model to ship: the fine-tuned one when asked for (masked-out weights still zero), else the search's.
  const exported = result.finetuned
    ? exportGraph(result.finetuned.graph, { name: `${graph.name}_masked` })
    : exportMaskedModel(graph, result.search.masks, result.search.head);
  const modelOut = path.join(outDir, 'masked-model');
  await mkdir(modelOut, { recursive: true });
  await writeFileAtomic(path.join(modelOut, 'weights.bin'), exported.weightData);
  await writeFileAtomic(path.join(modelOut, 'model.json'), JSON.stringify(exported.modelJson));

  const defectComparison = defects
    ? await asUsage(() =>
        measureDefectsDirect({ graph, modelDir, problem, classNames: dataset.classNames, dataSpec: formatDatasetSpec(dataSpec), limit: limit ?? null, settings: defects, outDir }),
      )
    : undefined;
  const report = buildReport({
    graph,
    modelDir,
    dataset,
    dataSpec: formatDatasetSpec(dataSpec),
    problem,
    settings,
    extra: { limit: limit ?? null, valFraction, baselineRule, defaultsSource: defaults.source, architecture: arch ?? null, resumed: Boolean(resumeFrom) },
    result,
    backend,
    seconds,
  });
  const finetuneReport = result.finetuned ? finetuneSection(result.finetuned, result.reengineered.accuracy) : undefined;
  const fullReport = {
    ...report,
    ...(finetuneReport ? { finetune: finetuneReport } : {}),
    ...(defectComparison && defects ? { defects: defectsSection(defectComparison, defects) } : {}) };
  await writeFileAtomic(path.join(outDir, 'report.json'), JSON.stringify(fullReport, null, 2));
  if (!values['no-export']) {
    log.info('export: masked/ and compact/ models, sizes and latency');
    const exp = await exportRun(outDir);
    const ratio = exp.ratios.compactToOriginal;
    const lat = ratio.latency?.['16'];
    log.info(
      `compact model: ${exp.models.compact.params} params (${pct(ratio.params)} of the original), ` +
        `${pct(ratio.flops)} of its FLOPs${lat === undefined ? '' : `, ${pct(lat)} of its latency at batch 16`}`,
    );
  }
  const o = result.original;
  const r = result.reengineered;
  console.log(
    [
      `original      accuracy ${pct(o.test.accuracy)} (restricted ${pct(o.test.accuracyRestricted)}), ${o.cost.params} params, ${mflops(o.cost.flops)}`,
      `re-engineered accuracy ${pct(r.accuracy)}, WRR ${pct(r.wrr)}, ${r.cost.params} params, ${mflops(r.cost.flops)} (mask-aware)`,
      ...(finetuneReport ? [formatFinetune(finetuneReport)] : []),
      `selected epoch ${result.search.selected.epoch + 1} of ${result.search.epochsRun} (${result.search.selected.rule}), ${seconds.toFixed(1)} s`,
      ...(defectComparison ? [formatDefects(defectComparison)] : []),
      `wrote ${path.join(outDir, 'report.json')}`,
    ].join('\n'),
  );
  return 0;
}

/** Loading/validation errors of the inputs are the caller's to fix: print them as usage errors. */
async function asUsage<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ModelInputError || err instanceof DataError || err instanceof DefectInputError) throw new UsageError(err.message);
    throw err;
  }
}

/** Identity of what a checkpoint belongs to: model files, data, target and split. */
async function fingerprintOf(
  modelDir: string,
  spec: string,
  dataset: Dataset,
  problem: TargetProblem,
  extra: Record<string, unknown>,
): Promise<string> {
  const h = createHash('sha256');
  for (const f of (await readdir(modelDir)).sort()) {
    if (f === 'model.json' || f.endsWith('.bin')) h.update(f).update(await readFile(path.join(modelDir, f)));
  }
  h.update(JSON.stringify({ spec, checksums: dataset.checksums, mode: problem.mode, classes: problem.classes, counts: [problem.train.count, problem.val.count, problem.test.count], extra }));
  return h.digest('hex');
}

function buildReport(a: {
  graph: Graph;
  modelDir: string;
  dataset: Dataset;
  dataSpec: string;
  problem: TargetProblem;
  settings: SearchSettings;
  extra: Record<string, unknown>;
  result: ReengineerResult;
  backend: { name: string; detail: string };
  seconds: number;
}) {
  const { result: res, problem } = a;
  const s = res.search;
  return {
    tool: 'seamflow reengineer',
    createdAt: new Date().toISOString(),
    model: {
      dir: a.modelDir,
      name: a.graph.name,
      inputShape: a.graph.byName.get(a.graph.input)!.outputShape,
      outputs: logitCount(a.graph),
    },
    data: {
      spec: a.dataSpec,
      name: a.dataset.name,
      checksums: a.dataset.checksums,
      counts: { train: problem.train.count, val: problem.val.count, test: problem.test.count },
    },
    target: {
      mode: problem.mode,
      classes: problem.classes,
      classNames: problem.classes.map((c) => a.dataset.classNames[c] ?? String(c)),
    },
    settings: {
      ...a.settings,
      // The sliced head has no parameters: no head learning rate, no head-only epochs.
      lrHead: a.settings.head === 'sliced' ? null : a.settings.lrHead,
      headOnlyEvery: a.settings.head === 'sliced' ? 0 : (a.settings.headOnlyEvery ?? 5),
      adamEpsilon: 1e-8,
      ...a.extra,
    },
    original: originalSection(res.original),
    reengineered: reengineeredSection(res.reengineered),
    baseline: res.baseline,
    search: {
      epochs: s.epochsRun,
      epochsPlanned: a.settings.epochs,
      seconds: a.seconds,
      searchSeconds: s.seconds,
      backend: a.backend.name,
      backendDetail: a.backend.detail,
      bestEpoch: s.selected.epoch,
      selectionRule: s.selected.rule,
      stoppedEarly: s.stoppedEarly,
      history: s.history,
    },
    ...(res.latency ? { latency: res.latency } : {}),
    files: { masks: 'masks/masks.json', masksBin: 'masks/masks.bin', maskedModel: 'masked-model/model.json', checkpoint: 'checkpoint' },
  };
}

/**
 * Whether the checkpointed search has nothing left to do at this run's epoch
 * budget: stopped early, or all epochs run. Only then does a fine-tuning
 * checkpoint belong to its masks (a search given more epochs changes them).
 */
function searchFinished(search: SearchCheckpoint | undefined, epochs: number): boolean {
  return search !== undefined && (search.done || (search.step === 0 && search.epoch >= epochs));
}

/** The fine-tuning checkpoint to continue from with --resume (see searchFinished), if one was written. */
async function readFinetuneCheckpoint(file: string): Promise<FinetuneCheckpoint | undefined> {
  const bytes = await readFile(file).catch(() => undefined);
  return bytes ? usage(() => decodePlain<FinetuneCheckpoint>(new Uint8Array(bytes))) : undefined;
}
