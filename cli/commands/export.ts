import path from 'node:path';
import { MaskValidationError, RunFolderError } from '../../engine/export/errors.js';
import type { ExportReport, ModelReport } from '../../engine/export/export-models.js';
import { exportRun } from '../../engine/export/run-folder.js';
import { ModelInputError } from '../../engine/graph/model-folder.js';
import { initBackend } from '../../infra/backend/index.js';
import { logger } from '../../infra/log.js';
import { backendFlag, parseCommandLine, parseLatencyFlags } from '../flags.js';
import { formatBytes, formatTable } from '../format.js';
import { UsageError } from '../usage-error.js';

export const summary = 'Export a re-engineered run as masked/ and compact/ TF.js models, with sizes and latency';

const HELP = `Usage: seamflow export --run DIR [options]

Writes DIR/masked/ (original architecture, masked weights zeroed, with the
head) and DIR/compact/ (every removable channel physically gone, proven to
give the masked model's outputs), both standard TF.js LayersModels, and adds
an "export" section to DIR/report.json.

  --run DIR            a folder written by seamflow reengineer (report.json, masks/, masked-model/)
  --model DIR          the original model, when report.json's model.dir has moved
  --batch-sizes LIST   latency batch sizes  [1,16,64]
  --runs N             timed runs per batch size and model (median)  [10]
  --warmup N           untimed runs first  [3]
  --no-latency         skip timing
  --backend B          tensorflow | wasm | cpu (default: best available)`;

export async function run(argv: string[]): Promise<number> {
  const values = parseCommandLine(
    argv,
    {
      run: { type: 'string' },
      model: { type: 'string' },
      'batch-sizes': { type: 'string' },
      runs: { type: 'string' },
      warmup: { type: 'string' },
      'no-latency': { type: 'boolean' },
      backend: { type: 'string' },
    },
    HELP,
  );
  if (!values) return 0;
  if (!values.run) throw new UsageError('--run is required (see --help)');
  const latency = parseLatencyFlags(values);
  const backendName = backendFlag(values.backend);
  const log = logger('export');
  const backend = await initBackend(backendName ? { backend: backendName } : {});
  const runDir = path.resolve(values.run);
  log.info(`exporting ${runDir} on ${backend.name} (${backend.detail})`);
  let report: ExportReport;
  try {
    report = await exportRun(runDir, { modelDir: values.model, latency, onStage: (s) => log.info(s) });
  } catch (err) {
    if (err instanceof RunFolderError || err instanceof MaskValidationError || err instanceof ModelInputError) throw new UsageError(err.message);
    throw err;
  }
  console.log(formatExport(report, runDir));
  return 0;
}

export function formatExport(report: ExportReport, runDir: string): string {
  const { models, ratios, removal } = report;
  const sizes = models.compact.latency?.map((l) => l.batchSize) ?? [];
  const row = (name: string, m: ModelReport) => [
    name,
    String(m.params),
    (m.flops / 1e6).toFixed(2),
    formatBytes(m.fileBytes),
    formatBytes(m.gzipBytes),
    ...sizes.map((b) => {
      const l = m.latency?.find((x) => x.batchSize === b);
      return l ? l.medianMs.toFixed(1) : '-';
    }),
  ];
  const r = ratios.compactToOriginal;
  const lines = [
    formatTable([
      ['model', 'params', 'MFLOPs', 'size', 'gzip', ...sizes.map((b) => `ms@${b}`)],
      row('original', models.original),
      row('masked', models.masked),
      row('compact', models.compact),
    ]),
    `compact / original: params ${r.params.toFixed(3)}, FLOPs ${r.flops.toFixed(3)}, size ${r.fileBytes.toFixed(3)}, gzip ${r.gzipBytes.toFixed(3)}` +
      (r.latency ? `, latency ${Object.entries(r.latency).map(([b, v]) => `${v.toFixed(3)}@${b}`).join(' ')}` : '') +
      ` (${report.backend})`,
    `removed ${removal.groups.removed} of ${removal.groups.total} channel groups${blocksNote(removal)}; equal to the masked model within ${report.verification.maxAbsDiff.toExponential(2)} on ${report.verification.samples} inputs`,
    `wrote ${path.join(runDir, 'masked')}, ${path.join(runDir, 'compact')} and the "export" section of ${path.join(runDir, 'report.json')}`,
  ];
  return lines.join('\n');
}

/** Names the residual branches that went whole (their Add became a pass-through or a bias), if any. */
function blocksNote(removal: ExportReport['removal']): string {
  const n = removal.constantBranches.length;
  return n ? ` and ${n} residual branch${n === 1 ? '' : 'es'} (constant, now ${removal.constantBranches.map((b) => `${b.node}: ${b.became}`).join(', ')})` : '';
}
