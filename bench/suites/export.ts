/**
 * `export`: filter-granularity re-engineering of the shared ResNet-20 on
 * CIFAR-10 binary targets, exported as masked and compact TF.js models;
 * latency at batch 1/16/64 of original / masked / compact measured side by
 * side in one process (exportModels -> measureSideBySide), params / FLOPs /
 * size ratios, and the accuracy kept. Goal: compact <= 0.45x the original's
 * latency at accuracy >= original. `--quick` adds random filter masks at
 * fixed kept fractions (speed only, labelled as such) to a short real search.
 * `--alpha A --lr-mask L --stop-at-wrr W` override the published search
 * settings; `--finetune-epochs N [--finetune-lr L]` trains the kept weights
 * after the search ([ours], engine/finetune) and exports the tuned model.
 * `--also-backend wasm` times the same folders on a second backend too.
 */
import path from 'node:path';
import { makeTargetProblem, parseClassList, unusedNegatives } from '../../engine/data/target.js';
import type { DistillSettings } from '../../engine/finetune/settings.js';
import { scoreOriginal } from '../../engine/eval/original.js';
import { maskedAccuracy } from '../../engine/eval/masked-accuracy.js';
import { exportModels, type ExportReport } from '../../engine/export/index.js';
import { disposeParams, prepareParams } from '../../engine/graph/params.js';
import type { Graph } from '../../engine/graph/types.js';
import { wrrOf, type MaskSet } from '../../engine/masks/masks.js';
import { Rng } from '../../engine/random.js';
import { reengineer } from '../../engine/reengineer.js';
import { DEFAULT_LR_HEAD, PUBLISHED_BATCH, maskDefaults } from '../../engine/search/defaults.js';
import { initHead, type HeadData } from '../../engine/search/head.js';
import { initBackend } from '../../infra/backend/index.js';
import { BACKENDS, type BackendName } from '../../infra/config.js';
import { packageRoot } from '../../infra/paths.js';
import { createProgressBar } from '../../cli/progress.js';
import { fmt, pct, points, seconds, table } from '../lib/format.js';
import { groupedBars, renderSvg, type Row } from '../lib/plots.js';
import { say, since } from '../lib/progress.js';
import { PUBLISHED } from '../lib/published.js';
import { plotFile } from '../lib/result-files.js';
import { flagNumber, flagString, optionalField, type Suite, type SuiteOptions, type SuiteOutput } from '../lib/suite.js';
import { loadCifar10, loadResnet20 } from '../lib/workload.js';
import { latencyOnBackend, type OtherBackendLatency } from './export-other-backend.js';
import { randomFilterMasks } from './random-filter-masks.js';
import { finetuneOption, overrideFields, penaltyWords, searchOverrides, withLayerCost } from '../lib/search-options.js';

export interface ExportCase {
  label: string;
  kind: 'search' | 'random-masks';
  target: number;
  wrr: number;
  original: { accuracy: number; accuracyRestricted: number };
  /** Test accuracy of the masked model (the compact one is verified equal to it). */
  accuracy: number;
  search: { epochs: number; seconds: number; selectedEpoch: number; rule: string; alpha: number; lrMask: number; penalty: string; layerCost?: number } | null;
  /** Accuracy of the search's own model (before fine-tuning), and the fine-tuning run. */
  finetune: { searchAccuracy: number; epochs: number; lr: number; distill?: DistillSettings; freshNegatives?: true; seconds: number; selectedEpoch: number; valAccuracy: number; startValAccuracy: number } | null;
  export: ExportReport;
  /** The same three folders timed on a second backend (--also-backend), or null. */
  otherBackend: OtherBackendLatency | null;
}

const LATENCY_BATCHES = [1, 16, 64];

/** How each case is timed: runs per batch size, and optionally again on a second backend (in a child process). */
interface Timing {
  runs: number;
  alsoBackend?: BackendName;
  dataSpec: string;
}

async function exportCase(
  graph: Graph,
  modelDir: string,
  base: { label: string; kind: ExportCase['kind']; target: number },
  model: { masks: MaskSet; head: HeadData; tuned?: Graph },
  accuracy: number,
  original: ExportCase['original'],
  search: ExportCase['search'],
  finetune: ExportCase['finetune'],
  opts: Timing,
): Promise<ExportCase> {
  const target = path.join(packageRoot, 'bench', 'tmp', 'export', base.label.replace(/[^a-z0-9.-]+/gi, '_'));
  say(`exporting ${base.label}: masked + compact, latency at batch ${LATENCY_BATCHES.join('/')} (${opts.runs} runs each)`);
  const { masks, head, tuned } = model;
  const report = await exportModels({
    graph,
    originalDir: modelDir,
    ...(tuned ? { masked: tuned, headInfo: { kind: head.kind, mode: head.mode, classes: head.classes.slice() } } : { masks, head }),
    target,
    latency: { batchSizes: LATENCY_BATCHES, warmup: 3, runs: opts.runs },
  });
  const other = opts.alsoBackend
    ? await latencyOnBackend(opts.alsoBackend, { original: modelDir, masked: path.join(target, 'masked'), compact: path.join(target, 'compact') }, { spec: opts.dataSpec, target: base.target }, { batchSizes: LATENCY_BATCHES, runs: opts.runs })
    : null;
  return { ...base, wrr: wrrOf(masks), original, accuracy, search, finetune, export: report, otherBackend: other };
}

async function run(opts: SuiteOptions): Promise<SuiteOutput> {
  const started = performance.now();
  const epochs = flagNumber(opts.flags, 'epochs') ?? (opts.quick ? 3 : 5);
  const limit = flagNumber(opts.flags, 'limit') ?? (opts.quick ? 5000 : undefined);
  const targets = parseClassList(flagString(opts.flags, 'targets') ?? (opts.quick ? '0' : '0,3'), 10);
  const runs = flagNumber(opts.flags, 'runs') ?? (opts.quick ? 8 : 20);
  const fractions = opts.quick || opts.flags['random'] ? [0.3, 0.5, 0.7] : [];
  let over = searchOverrides(opts.flags);
  const finetuneEpochs = over.finetune?.epochs ?? 0;
  const seed = 0;
  const backend = await initBackend();
  over = await withLayerCost(over);
  const { graph, dir: modelDir } = await loadResnet20();
  const { dataset, dir: dataDir } = await loadCifar10(limit);
  const alsoBackend = flagString(opts.flags, 'also-backend');
  if (alsoBackend !== undefined && !(BACKENDS as readonly string[]).includes(alsoBackend)) throw new Error(`--also-backend: expected one of ${BACKENDS.join(', ')}, got "${alsoBackend}"`);
  const timing: Timing = { runs, dataSpec: `cifar10:${dataDir}`, ...(alsoBackend ? { alsoBackend: alsoBackend as BackendName } : {}) };
  say(
    `export suite: filter-granularity search on target(s) ${targets.join(',')} for ${epochs} epoch(s)` +
      `${fractions.length ? `, random filter masks at kept fractions ${fractions.join('/')} on target ${targets[0]}` : ''}; ` +
      `${limit ? `at most ${limit} images per split` : 'full CIFAR-10'}; backend ${backend.name} (${backend.detail}); ` +
      `expected ${opts.quick ? '~3-5 min' : `~${Math.round(targets.length * ((epochs + 1.5 * finetuneEpochs) * 9000 / 190 + 60) / 60)} min`}`,
  );

  const cases: ExportCase[] = [];
  const params = prepareParams(graph);
  try {
    for (const t of targets) {
      const problem = makeTargetProblem(dataset, { mode: 'binary', classes: [t], seed, valFraction: 0.1 });
      const orig = await scoreOriginal(graph, params, problem.test, { mode: 'binary', classes: [t] });
      const original = { accuracy: orig.accuracy, accuracyRestricted: orig.accuracyRestricted };
      if (t === targets[0]) {
        for (const kept of fractions) {
          const masks = randomFilterMasks(graph, kept, 1000 + Math.round(kept * 100));
          const head = initHead('sliced', 'binary', [t], 10, new Rng(seed));
          const acc = await maskedAccuracy(graph, params, masks, head, problem.test, 256);
          cases.push(await exportCase(graph, modelDir, { label: `random filter masks kept ${kept} (target ${t})`, kind: 'random-masks', target: t }, { masks, head }, acc, original, null, null, timing));
          say(`  done (${since(started)} elapsed)`);
        }
      }
      const d = maskDefaults('resnet20', 'cifar10', 'binary');
      const alpha = over.alpha ?? d.alpha;
      const lrMask = over.lrMask ?? d.lrMask;
      const steps = Math.ceil(problem.train.count / PUBLISHED_BATCH);
      const bar = createProgressBar(`[bench] filter search target ${t}`, epochs * steps, { logEveryMs: 15000 });
      const settings = { granularity: 'filter' as const, head: 'appended' as const, alpha, ...overrideFields(over), lrMask, lrHead: DEFAULT_LR_HEAD, epochs, batchSize: PUBLISHED_BATCH, seed, augment: true };
      const ft = finetuneOption(over, settings, `target ${t}`, steps, () => unusedNegatives(dataset, { mode: 'binary', classes: [t], seed }));
      const res = await reengineer(graph, problem, {
        settings,
        ...ft.option,
        hooks: {
          onStep: (p) => bar.update(p.epoch * p.steps + p.step, `ep ${p.epoch + 1} ${p.phase} wrr ${(p.wrr * 100).toFixed(1)}%`),
          onEpoch: (r) => say(`  epoch ${r.epoch + 1}/${epochs} (${r.phase}): val acc ${pct(r.valAccuracy)}%, WRR ${pct(r.wrr)}%`),
        },
      });
      bar.finish();
      ft.finish();
      const tuned = res.finetuned;
      const label = `filter search ${res.search.epochsRun} ep${tuned ? ` + fine-tune ${finetuneEpochs} ep` : ''} (target ${t})`;
      cases.push(
        await exportCase(
          graph,
          modelDir,
          { label, kind: 'search', target: t },
          { masks: res.search.masks, head: res.search.head, ...(tuned ? { tuned: tuned.graph } : {}) },
          tuned ? tuned.accuracy : res.reengineered.accuracy,
          original,
          { epochs: res.search.epochsRun, seconds: res.search.seconds, selectedEpoch: res.search.selected.epoch, rule: res.search.selected.rule, alpha, lrMask, penalty: over.penalty, ...optionalField('layerCost', over.layerCost) },
          tuned
            ? { searchAccuracy: res.reengineered.accuracy, epochs: finetuneEpochs, lr: tuned.settings.lr, ...(tuned.settings.distill ? { distill: tuned.settings.distill } : {}), ...(tuned.settings.freshNegatives ? { freshNegatives: true as const } : {}), seconds: tuned.seconds, selectedEpoch: tuned.selectedEpoch, valAccuracy: tuned.valAccuracy, startValAccuracy: tuned.startValAccuracy }
            : null,
          timing,
        ),
      );
      say(`  done (${since(started)} elapsed)`);
    }
  } finally {
    disposeParams(params);
  }

  const md = await renderMarkdown(opts, cases, { epochs, limit, backend, elapsed: (performance.now() - started) / 1000 });
  return {
    json: {
      settings: { epochs, limit: limit ?? null, targets, randomKeptFractions: fractions, alsoBackend: timing.alsoBackend ?? null, stopAtWrr: over.stopAtWrr ?? null, stopMidEpoch: over.stopMidEpoch, select: over.selectLast ? 'last' : 'validation', finetune: over.finetune, latency: { batchSizes: LATENCY_BATCHES, warmup: 3, runs }, seed },
      backend,
      model: { dir: modelDir, name: graph.name },
      data: { spec: `cifar10:${dataDir}`, name: dataset.name, checksums: dataset.checksums, counts: { train: dataset.train.count, test: dataset.test.count } },
      cases,
      published: PUBLISHED,
    },
    markdown: md.markdown,
    plots: md.plots,
  };
}

async function renderMarkdown(
  opts: SuiteOptions,
  cases: ExportCase[],
  s: { epochs: number; limit: number | undefined; backend: { name: string; detail: string }; elapsed: number },
): Promise<{ markdown: string; plots: Record<string, string> }> {
  const publishedRatio = 1 + PUBLISHED.inferenceTimePercent / 100;
  const md: string[] = [];
  md.push(`# Benchmark: export of filter-level re-engineered ResNet-20 (CIFAR-10 binary)${opts.quick ? ' (quick)' : ''}`, '');
  md.push(
    `Original = the shared ResNet-20 folder as shipped; masked = same architecture with masked filters zeroed (what SeaM ships); ` +
      `compact = removable channels physically gone (verified equal to masked within 1e-4 on random inputs). All three loaded with plain ` +
      `tf.loadLayersModel and timed side by side in one process on ${s.backend.name} (${s.backend.detail}), interleaved, median after warm-up. ` +
      `Latency ratio = compact / original at the same batch size (lower is better). Took ${seconds(s.elapsed)}.`,
    '',
  );
  if (cases.some((c) => c.kind === 'random-masks')) {
    md.push('**Rows marked "random filter masks" are not search results**: filters dropped at random at a fixed kept fraction, with the sliced head, to show export speed alone; their accuracy is meaningless.', '');
  }
  md.push(
    '**Where our setting differs from SeaM\'s**: SeaM\'s -42.41% inference time is the mean over its models with weight-level masks on a sparse CPU runtime (DeepSparse); ' +
      `ours is a dense TF.js model with filters physically removed, on ResNet-20 only, after a filter search of at most ${s.epochs} epochs (published search: ${PUBLISHED.epochs} epochs, weight level)` +
      `${s.limit ? `, on at most ${s.limit} images per split` : ''}; CPU, 2 shared cores.`,
    '',
  );
  const tuned = cases.filter((c) => c.finetune);
  if (tuned.length) {
    md.push(
      '**Fine-tuned rows ([ours], not in SeaM)**: after the search, the kept weights, BatchNorm and head were trained with every masked-out weight held at zero ' +
        '(SGD, momentum 0.9, weight decay 5e-4, cosine learning rate, augmentation; the epoch best on the validation split is kept, or the search model if none beats it). ' +
        'The masked and compact models timed are the tuned ones; "acc search only" is the search model before fine-tuning. ' +
        tuned.map((c) => `${c.label}: search alpha ${c.search!.alpha} on the kept share of the ${penaltyWords(c.search!)}, lrMask ${c.search!.lrMask}, ${c.search!.epochs} epoch(s), masks of epoch ${c.search!.selectedEpoch + 1} (${c.search!.rule}); fine-tuning ${c.finetune!.epochs} epoch(s) at lr ${c.finetune!.lr}${c.finetune!.distill ? ` distilled from the original (weight ${c.finetune!.distill.weight}, temperature ${c.finetune!.distill.temperature})` : ''}${c.finetune!.freshNegatives ? ' with fresh negatives every epoch' : ''}, ${seconds(c.finetune!.seconds)}, validation ${pct(c.finetune!.startValAccuracy)}% -> ${pct(c.finetune!.valAccuracy)}% (epoch ${c.finetune!.selectedEpoch + 1} kept).`).join(' '),
      '',
    );
  }
  md.push(
    table(
      ['case', 'WRR %', 'params ratio', 'FLOPs ratio', 'file ratio', 'gzip ratio', 'latency b1', 'latency b16', 'latency b64', 'SeaM published time ratio', 'goal', 'acc % (orig / orig restricted / kept)', 'gain (points)'],
      cases.map((c) => {
        const r = c.export.ratios.compactToOriginal;
        return [
          c.label,
          pct(c.wrr),
          fmt(r.params, 3),
          fmt(r.flops, 3),
          fmt(r.fileBytes, 3),
          fmt(r.gzipBytes, 3),
          `${fmt(r.latency?.['1'], 3)}x`,
          `${fmt(r.latency?.['16'], 3)}x`,
          `${fmt(r.latency?.['64'], 3)}x`,
          `${fmt(publishedRatio, 3)}x (${PUBLISHED.inferenceTimePercent}%)`,
          '<= 0.45x at acc >= original',
          `${pct(c.original.accuracy)} / ${pct(c.original.accuracyRestricted)} / ${pct(c.accuracy)}${c.finetune ? ` (search only ${pct(c.finetune.searchAccuracy)})` : ''}`,
          c.kind === 'search' ? points((c.accuracy - c.original.accuracy) * 100) : '(random)',
        ];
      }),
    ),
    '',
  );
  md.push('Median latency in ms (original / masked / compact):', '');
  md.push(
    table(
      ['case', ...LATENCY_BATCHES.map((b) => `batch ${b}`), 'removed channel groups', 'residual branches dropped', 'compact params'],
      cases.map((c) => {
        const m = c.export.models;
        const at = (name: 'original' | 'masked' | 'compact', b: number) => m[name].latency?.find((l) => l.batchSize === b)?.medianMs;
        return [
          c.label,
          ...LATENCY_BATCHES.map((b) => `${fmt(at('original', b), 1)} / ${fmt(at('masked', b), 1)} / ${fmt(at('compact', b), 1)}`),
          `${c.export.removal.groups.removed} / ${c.export.removal.groups.total}`,
          String(c.export.removal.constantBranches?.length ?? 0),
          `${m.compact.params} of ${m.original.params}`,
        ];
      }),
    ),
    '',
  );
  const others = cases.filter((c) => c.otherBackend);
  if (others.length) {
    md.push(`The same folders timed on ${others[0]!.otherBackend!.backend} (\`seamflow compare --backend\` in a child process, interleaved, median; ratio = compact / original, ms = original / masked / compact):`, '');
    md.push(
      table(
        ['case', ...LATENCY_BATCHES.map((b) => `ratio b${b}`), ...LATENCY_BATCHES.map((b) => `ms b${b}`)],
        others.map((c) => {
          const o = c.otherBackend!;
          const at = (name: 'original' | 'masked' | 'compact', b: number) => o.latency[name].find((l) => l.batchSize === b)?.medianMs;
          return [
            c.label,
            ...LATENCY_BATCHES.map((b) => `${fmt(o.compactToOriginal[String(b)], 3)}x`),
            ...LATENCY_BATCHES.map((b) => `${fmt(at('original', b), 1)} / ${fmt(at('masked', b), 1)} / ${fmt(at('compact', b), 1)}`),
          ];
        }),
      ),
      '',
    );
  }
  const rows: Row[] = cases.flatMap((c) =>
    (['original', 'masked', 'compact'] as const).map((name) => ({
      case: c.label.replace(/ \(target \d\)/, ''),
      model: name,
      ms: c.export.models[name].latency?.find((l) => l.batchSize === 16)?.medianMs ?? null,
    })),
  );
  const plots = {
    latency: await renderSvg(
      groupedBars({ title: 'Latency at batch 16 (ms, median): original / masked / compact', rows, x: 'case', y: 'ms', series: 'model', yTitle: 'ms per batch of 16', width: 520 }),
    ),
  };
  md.push(`![latency original / masked / compact](${plotFile(opts.base, 'latency')})`, '');
  return { markdown: md.join('\n'), plots };
}

export const exportSuite: Suite = { name: 'export', describe: 'filter-level re-engineering exported compact: latency, size, accuracy vs original', run };
