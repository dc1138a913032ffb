/**
 * What the API does with runs, over the Temporal client and the artifact
 * store: list (visibility), detail (progress query + the live heartbeats of
 * the search, the fine-tuning and the defect evaluation), start, cancel, resume, report and
 * artifact lookup. No compute.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { defectsEtaSeconds, defectsFraction } from '../cli/defects-progress.js';
import { finetuneFraction } from '../cli/finetune-progress.js';
import { liveHeartbeats, queryProgress } from '../cli/watch-run.js';
import type { ArtifactStore } from '../infra/artifacts/index.js';
import { reengineerWorkflow } from '../workflows/reengineer-workflow.js';
import { WORKFLOW_QUEUE } from '../workflows/task-queues.js';
import type { DefectsHeartbeat, FinetuneHeartbeat, ReengineerSpec, RunProgress, SearchHeartbeat } from '../workflows/types.js';
import { ConflictError, NotFoundError } from './errors.js';

export const RUN_QUERY = "WorkflowType = 'reengineerWorkflow'";

/** Temporal's status names, lower-cased: running, completed, failed, canceled, terminated, timed_out, continued_as_new. */
export type RunStatus = string;

export interface ReportSummary {
  originalAccuracy: number;
  reengineeredAccuracy: number;
  wrr: number;
  originalParams: number;
  compactParams?: number;
  originalFlops: number;
  reengineeredFlops: number;
  target?: { mode: string; classes: number[] };
}

export interface RunRow {
  id: string;
  status: RunStatus;
  startedAt: string;
  closedAt?: string;
  seconds?: number;
  summary?: ReportSummary;
}

export interface LiveSearch extends Omit<SearchHeartbeat, 'checkpointKey'> {
  /** Fraction of the search's steps done, 0..1. */
  fraction: number;
  /** Seconds left at the pace so far (undefined until there is a pace). */
  etaSeconds?: number;
}

export interface LiveDefects extends DefectsHeartbeat {
  /** Fraction of the current phase done, 0..1; absent for a phase without countable steps. */
  fraction?: number;
  /** Seconds left in the current phase at its pace so far. */
  etaSeconds?: number;
}

export interface LiveFinetune extends FinetuneHeartbeat {
  /** Fraction of all fine-tuning steps done, 0..1. */
  fraction: number;
  /** Seconds left at the pace since the stage started (undefined until there is a pace). */
  etaSeconds?: number;
}

export interface RunDetail {
  id: string;
  type: string;
  status: RunStatus;
  startedAt: string;
  closedAt?: string;
  progress?: RunProgress;
  search?: LiveSearch;
  /** While finetuneModel runs: epoch, step, validation accuracy so far. */
  finetune?: LiveFinetune;
  /** While evaluateDefects runs: which student and phase, how far. */
  defects?: LiveDefects;
  spec?: ReengineerSpec;
  summary?: ReportSummary;
  /** True once the run has closed (the SSE stream ends). */
  closed: boolean;
}

/** A stored report, as writeReport leaves it (the fields the dashboard reads). */
export interface StoredReport {
  original: { accuracy: number; accuracyRestricted?: number; params: number; flops: number };
  reengineered: { accuracy: number; wrr: number; params: number; flops: number };
  search?: { history?: unknown[] };
  export?: { compact?: { params: number; flops: number; fileBytes?: number; gzipBytes?: number } };
  target?: { mode: string; classes: number[] };
  artifacts?: { masks?: string; masksIndex?: string; maskedModel?: string; compactModel?: string; defects?: string };
  /** Runs with defect evaluation: standard vs seam reuse (see engine/report-fields.ts). */
  defects?: { attack: string; measure: string; standard: { accuracy: number; value: number }; seam: { accuracy: number; value: number; wrr: number }; reduction: number | null };
  /** Runs with fine-tuning: the shipped model's accuracy next to the search's (see engine/report-fields.ts). */
  finetune?: { accuracy: number; valAccuracy: number; startValAccuracy: number; searchAccuracy: number; gain: number; selectedEpoch: number; settings: { epochs: number; lr: number } };
  [k: string]: unknown;
}

const statusName = (s: { name: string }) => s.name.toLowerCase();

export class RunsService {
  /** Reports never change once written: cached by run id. */
  private readonly reports = new Map<string, StoredReport>();
  private readonly reportKeys = new Map<string, string>();

  constructor(
    private readonly client: Client,
    private readonly store: ArtifactStore,
  ) {}

  async list(limit: number): Promise<RunRow[]> {
    const rows: RunRow[] = [];
    for await (const wf of this.client.workflow.list({ query: RUN_QUERY })) {
      const closedAt = wf.closeTime;
      rows.push({
        id: wf.workflowId,
        status: statusName(wf.status),
        startedAt: wf.startTime.toISOString(),
        closedAt: closedAt?.toISOString(),
        seconds: closedAt ? (closedAt.getTime() - wf.startTime.getTime()) / 1000 : undefined,
      });
      if (rows.length >= limit) break;
    }
    await Promise.all(
      rows
        .filter((r) => r.status === 'completed')
        .map(async (r) => {
          const report = await this.reportOf(r.id).catch(() => undefined);
          if (report) r.summary = summarise(report);
        }),
    );
    return rows;
  }

  /** The handle and description of a run; NotFoundError for an unknown id. */
  async describe(id: string): Promise<{ handle: WorkflowHandle; desc: WorkflowExecutionDescription }> {
    const handle = this.client.workflow.getHandle(id);
    try {
      return { handle, desc: await handle.describe() };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || (err as { code?: number }).code === 5) throw new NotFoundError(`no run "${id}"`);
      throw err;
    }
  }

  async detail(id: string): Promise<RunDetail> {
    const { handle, desc } = await this.describe(id);
    const status = statusName(desc.status);
    const closed = status !== 'running';
    let progress: RunProgress | undefined;
    if (status === 'completed' && desc.type === 'reengineerWorkflow') {
      // The result is in the history: no worker needed to answer.
      progress = await (handle.result() as Promise<RunProgress>).catch(() => undefined);
    }
    progress ??= desc.type === 'reengineerWorkflow' ? await queryProgress(handle) : undefined;
    let search: LiveSearch | undefined;
    let defects: LiveDefects | undefined;
    let finetune: LiveFinetune | undefined;
    const running = (name: string) => progress?.stages.find((s) => s.stage === name && s.status === 'running');
    const searchStage = running('searchMasks');
    const finetuneStage = running('finetuneModel');
    if (!closed && (searchStage || finetuneStage || running('evaluateDefects'))) {
      const hb = await liveHeartbeats(handle).catch(() => undefined);
      if (hb?.search && searchStage) search = live(hb.search, searchStage.startedAt);
      if (hb?.finetune && finetuneStage) finetune = liveFinetune(hb.finetune, finetuneStage.startedAt);
      if (hb?.defects) defects = liveDefects(hb.defects);
    }
    const detail: RunDetail = {
      id,
      type: desc.type,
      status,
      startedAt: desc.startTime.toISOString(),
      closedAt: desc.closeTime?.toISOString(),
      progress,
      search,
      finetune,
      defects,
      spec: await this.specOf(handle).catch(() => undefined),
      closed,
    };
    if (status === 'completed') {
      const report = await this.reportOf(id).catch(() => undefined);
      if (report) detail.summary = summarise(report);
    }
    return detail;
  }

  private readonly specs = new Map<string, ReengineerSpec>();

  /** The run's input, from the first event of its history. */
  private async specOf(handle: WorkflowHandle): Promise<ReengineerSpec | undefined> {
    const cached = this.specs.get(handle.workflowId);
    if (cached) return cached;
    const args = await this.inputOf(handle);
    const spec = args[0] as ReengineerSpec | undefined;
    if (spec) this.specs.set(handle.workflowId, spec);
    return spec;
  }

  private async inputOf(handle: WorkflowHandle): Promise<unknown[]> {
    const history = await handle.fetchHistory();
    const payloads = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    return payloads.map((p) => defaultPayloadConverter.fromPayload(p));
  }

  async start(spec: ReengineerSpec, runId?: string): Promise<string> {
    const id = runId ?? `reengineer-${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
    try {
      await this.client.workflow.start(reengineerWorkflow, { taskQueue: WORKFLOW_QUEUE, workflowId: id, args: [spec] });
    } catch (err) {
      if ((err as Error).name === 'WorkflowExecutionAlreadyStartedError') throw new ConflictError(`a run with id "${id}" already exists`);
      throw err;
    }
    return id;
  }

  async cancel(id: string): Promise<void> {
    const { handle, desc } = await this.describe(id);
    if (desc.status.name !== 'RUNNING') throw new ConflictError(`run ${id} is ${statusName(desc.status)}; only running runs can be cancelled`);
    await handle.cancel();
  }

  /** A new run `<id>-resumed-<n>` with the old run's input: finished stages and the search checkpoint are reused. */
  async resume(id: string): Promise<string> {
    const { handle, desc } = await this.describe(id);
    if (desc.status.name === 'RUNNING' || desc.status.name === 'COMPLETED') {
      throw new ConflictError(`run ${id} is ${statusName(desc.status)}; only failed, cancelled, terminated or timed-out runs are resumed`);
    }
    if (desc.type !== 'reengineerWorkflow') throw new ConflictError(`run ${id} is a ${desc.type}, not a re-engineering run`);
    const args = (await this.inputOf(handle)) as Parameters<typeof reengineerWorkflow>;
    for (let n = 1; n < 1000; n++) {
      const newId = `${id}-resumed-${n}`;
      const exists = await this.client.workflow.getHandle(newId).describe().then(() => true, () => false);
      if (exists) continue;
      await this.client.workflow.start(reengineerWorkflow, { taskQueue: WORKFLOW_QUEUE, workflowId: newId, args });
      return newId;
    }
    throw new ConflictError(`run ${id} was resumed too many times`);
  }

  /** The run's report; NotFoundError for an unknown run, ConflictError while it has none yet. */
  async report(id: string): Promise<StoredReport> {
    const cached = this.reports.get(id);
    if (cached) return cached;
    const { desc } = await this.describe(id);
    if (desc.status.name !== 'COMPLETED') throw new ConflictError(`run ${id} is ${statusName(desc.status)}: no report (reports exist for completed runs)`);
    return this.reportOf(id);
  }

  private async reportOf(id: string): Promise<StoredReport> {
    const cached = this.reports.get(id);
    if (cached) return cached;
    const handle = this.client.workflow.getHandle(id);
    const result = (await handle.result()) as RunProgress;
    if (!result.reportKey) throw new NotFoundError(`run ${id} has no report`);
    const report = JSON.parse((await this.store.get(result.reportKey)).toString('utf8')) as StoredReport;
    this.reports.set(id, report);
    this.reportKeys.set(id, result.reportKey);
    return report;
  }

  /** The store key behind one of a run's artifact names (only names derived from its report). */
  async artifact(id: string, name: string): Promise<{ key: string; fileName: string; contentType: string }> {
    const keys = artifactKeys(await this.report(id), this.reportKeys.get(id)!);
    const key = keys[name];
    if (!key) throw new NotFoundError(`run ${id} has no artifact "${name}" (artifacts: ${Object.keys(keys).join(', ')})`);
    return { key, fileName: name, contentType: name.endsWith('.json') ? 'application/json' : 'application/octet-stream' };
  }

  async artifactList(id: string): Promise<{ name: string; size?: number }[]> {
    const keys = artifactKeys(await this.report(id), this.reportKeys.get(id)!);
    return Promise.all(Object.entries(keys).map(async ([name, key]) => ({ name, size: (await this.store.stat(key).catch(() => undefined))?.size })));
  }
}

function live(hb: SearchHeartbeat, startedAt: string | undefined): LiveSearch {
  const total = hb.epochs * hb.steps;
  const done = hb.epoch * hb.steps + hb.step;
  const fraction = total > 0 ? Math.min(1, done / total) : 0;
  const { checkpointKey: _ck, ...rest } = hb;
  return { ...rest, fraction, etaSeconds: etaSince(startedAt, fraction) };
}

export function liveFinetune(hb: FinetuneHeartbeat, startedAt: string | undefined): LiveFinetune {
  const fraction = finetuneFraction(hb);
  return { ...hb, fraction, etaSeconds: etaSince(startedAt, fraction) };
}

/** Seconds left at the pace since the stage started, once 0.5% is done. */
function etaSince(startedAt: string | undefined, fraction: number): number | undefined {
  const elapsed = startedAt ? (Date.now() - Date.parse(startedAt)) / 1000 : undefined;
  return elapsed !== undefined && fraction > 0.005 ? (elapsed * (1 - fraction)) / fraction : undefined;
}

export function liveDefects(hb: DefectsHeartbeat): LiveDefects {
  return { ...hb, fraction: defectsFraction(hb), etaSeconds: defectsEtaSeconds(hb) };
}

export function summarise(r: StoredReport): ReportSummary {
  return {
    originalAccuracy: r.original.accuracy,
    reengineeredAccuracy: r.reengineered.accuracy,
    wrr: r.reengineered.wrr,
    originalParams: r.original.params,
    compactParams: r.export?.compact?.params,
    originalFlops: r.original.flops,
    reengineeredFlops: r.reengineered.flops,
    target: r.target,
  };
}

/**
 * The downloadable files of a run, by public name. Names map to keys taken
 * from the run's own report, so a client can never name a store path.
 */
export function artifactKeys(r: StoredReport, reportKey: string): Record<string, string> {
  const a = r.artifacts ?? {};
  const folderOf = (modelJson: string) => modelJson.slice(0, -'model.json'.length);
  const out: Record<string, string> = { 'report.json': reportKey };
  if (a.masks) out['masks.bin'] = a.masks;
  if (a.masksIndex) out['masks.json'] = a.masksIndex;
  if (a.maskedModel?.endsWith('model.json')) {
    out['masked-model.json'] = a.maskedModel;
    out['masked-weights.bin'] = `${folderOf(a.maskedModel)}weights.bin`;
  }
  if (a.compactModel?.endsWith('model.json')) {
    out['compact-model.json'] = a.compactModel;
    out['compact-weights.bin'] = `${folderOf(a.compactModel)}weights.bin`;
  }
  if (a.defects?.endsWith('defects.json')) out['defects.json'] = a.defects;
  return out;
}
