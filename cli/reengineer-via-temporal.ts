import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../engine/data/atomic-write.js';
import type { ArtifactStore } from '../infra/artifacts/index.js';
import { reengineerWorkflow } from '../workflows/reengineer-workflow.js';
import { WORKFLOW_QUEUE } from '../workflows/task-queues.js';
import type { ReengineerSpec } from '../workflows/types.js';
import { formatDefects } from './defect-flags.js';
import { formatFinetune } from './finetune-flags.js';
import { mflops, pct } from './format.js';
import { openRunSession } from './run-session.js';
import { watchRun } from './watch-run.js';

interface StoredReport {
  artifacts: { masks: string; masksIndex: string; maskedModel: string; compactModel: string; defects?: string };
  original: { accuracy: number; accuracyRestricted: number; params: number; flops: number };
  reengineered: { accuracy: number; wrr: number; params: number; flops: number };
  export: { compact: { params: number; flops: number } };
  search: { epochs: number; bestEpoch: number; selectionRule: string; seconds: number };
  defects?: Parameters<typeof formatDefects>[0];
  finetune?: Parameters<typeof formatFinetune>[0];
}

/**
 * `seamflow reengineer` as a durable run: submit the workflow (to the
 * configured cluster, or the embedded dev server with in-process workers),
 * follow it with a progress bar, then copy its artifacts from the store into
 * the output folder. A rerun of the same command resumes from the stored
 * checkpoint and reuses finished stages.
 */
export async function reengineerViaTemporal(spec: ReengineerSpec, outDir: string, opts: { detach?: boolean; runId?: string } = {}): Promise<number> {
  const session = await openRunSession({ withWorkers: !opts.detach });
  try {
    const runId = opts.runId ?? `reengineer-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
    const client = session.temporal.client;
    await client.workflow.start(reengineerWorkflow, { taskQueue: WORKFLOW_QUEUE, workflowId: runId, args: [spec] });
    console.log(`run ${runId} on Temporal ${session.temporal.address}${session.temporal.embedded ? ' (embedded)' : ''}`);
    if (opts.detach) {
      console.log(`follow it with: seamflow status ${runId} --watch`);
      return 0;
    }
    await watchRun(client, runId);
    const progress = await client.workflow.getHandle(runId).result();
    const report = await downloadRun(session.store, progress.reportKey!, outDir);
    const o = report.original;
    const r = report.reengineered;
    console.log(
      [
        `original      accuracy ${pct(o.accuracy)} (restricted ${pct(o.accuracyRestricted)}), ${o.params} params, ${mflops(o.flops)}`,
        `re-engineered accuracy ${pct(r.accuracy)}, WRR ${pct(r.wrr)}, ${r.params} params, ${mflops(r.flops)} (mask-aware)`,
        ...(report.finetune ? [formatFinetune(report.finetune)] : []),
        `compact model ${report.export.compact.params} params, ${mflops(report.export.compact.flops)}${report.finetune ? ' (fine-tuned)' : ''}`,
        `selected epoch ${report.search.bestEpoch + 1} of ${report.search.epochs} (${report.search.selectionRule}), search ${report.search.seconds.toFixed(1)} s`,
        ...(report.defects ? [formatDefects(report.defects)] : []),
        `wrote ${path.join(outDir, 'report.json')}, masks/, masked/, compact/${report.defects ? ', defects.json' : ''}`,
      ].join('\n'),
    );
    return 0;
  } finally {
    await session.close();
  }
}

/** Copies a finished run's report and artifacts into a folder, each file written whole (temp + rename). */
export async function downloadRun(store: ArtifactStore, reportKey: string, outDir: string): Promise<StoredReport> {
  const reportBytes = await store.get(reportKey);
  const report = JSON.parse(reportBytes.toString('utf8')) as StoredReport;
  const a = report.artifacts;
  const folderOf = (modelJsonKey: string) => modelJsonKey.slice(0, -'model.json'.length);
  const files: [string, string][] = [
    [a.masksIndex, 'masks/masks.json'],
    [a.masks, 'masks/masks.bin'],
    [`${folderOf(a.maskedModel)}weights.bin`, 'masked/weights.bin'],
    [a.maskedModel, 'masked/model.json'],
    [`${folderOf(a.compactModel)}weights.bin`, 'compact/weights.bin'],
    [a.compactModel, 'compact/model.json'],
  ];
  if (a.defects) files.push([a.defects, 'defects.json']);
  for (const [key, rel] of files) await writeWhole(path.join(outDir, rel), await store.get(key));
  await writeWhole(path.join(outDir, 'report.json'), reportBytes);
  return report;
}

async function writeWhole(file: string, data: Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, data);
}
