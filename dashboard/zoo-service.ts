/**
 * Models and zoo runs for the API: the models a deployment can re-engineer
 * (the zoo file given to `seamflow dashboard --zoo FILE` and the models
 * registered in the artifact store under models/), and zooWorkflow runs:
 * start (infra/temporal/start-zoo, as `seamflow zoo run`), their progress
 * (query) and leaderboard (zoos/<id>/leaderboard.json).
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { leaderboardKeysOf, type LeaderboardRow } from '../activities/leaderboard.js';
import type { ArtifactStore } from '../infra/artifacts/index.js';
import { startZooRun, ZooRunExistsError } from '../infra/temporal/start-zoo.js';
import { planZoo, type ZooProgress, type ZooResult, type ZooSpec } from '../infra/zoo/index.js';
import { zooProgressQuery } from '../workflows/zoo-workflow.js';
import { ConflictError, NotFoundError } from './errors.js';

export const ZOO_QUERY = "WorkflowType = 'zooWorkflow'";

export interface ModelEntry {
  /** Display name: the zoo entry's name, or the name the model was registered under. */
  name: string;
  source: 'zoo' | 'store';
  /** What POST /api/runs takes as `model`: a folder path (zoo) or an artifact key models/... */
  model: string;
  /** Canonical dataset spec (zoo entries). */
  data?: string;
  dataset?: string;
  /** Zoo target names this model is re-engineered for. */
  targets?: string[];
  size?: number;
  sha256?: string;
  createdAt?: string;
}

export interface ModelsAnswer {
  zoo: { name: string; targets: ZooSpec['targets'] } | null;
  models: ModelEntry[];
}

export interface ZooRow {
  id: string;
  status: string;
  startedAt: string;
  closedAt?: string;
  name?: string;
  progress?: ZooProgress;
  summary?: { total: number; completed: number; failed: number };
}

export interface Leaderboard {
  zooId: string;
  zoo: string;
  summary: { total: number; completed: number; failed: number };
  rows: LeaderboardRow[];
  [k: string]: unknown;
}

export interface StartedZoo {
  id: string;
  name: string;
  /** Child runs (models x targets). */
  runs: number;
  concurrency: number;
}

export interface ZooDetail extends ZooRow {
  closed: boolean;
  spec?: { name: string; models: string[]; targets: ZooSpec['targets'] };
  leaderboard?: Leaderboard;
}

/** The deployment's zoo file (`seamflow dashboard --zoo FILE`): infra/zoo's reader, as `seamflow zoo validate` reads it. */
export { readZooFile as loadZooFile } from '../infra/zoo/index.js';

const statusName = (s: { name: string }) => s.name.toLowerCase();

export class ZooService {
  private readonly boards = new Map<string, Leaderboard>();

  constructor(
    private readonly client: Client,
    private readonly store: ArtifactStore,
    private readonly zoo?: ZooSpec,
  ) {}

  async models(): Promise<ModelsAnswer> {
    const fromZoo: ModelEntry[] = (this.zoo?.models ?? []).map((m) => ({ name: m.name, source: 'zoo', model: m.model, data: m.data, dataset: m.dataset, targets: m.targets }));
    const keys = (await this.store.list('models/')).filter((k) => /^models\/[^/]+\/model\.bin$/.test(k));
    const fromStore = (
      await Promise.all(
        keys.map(async (key): Promise<ModelEntry | undefined> => {
          const info = await this.store.stat(key).catch(() => undefined);
          if (!info) return undefined;
          const name = typeof info.lineage.name === 'string' && info.lineage.name !== '' ? info.lineage.name : key;
          return { name, source: 'store', model: key, size: info.size, sha256: info.sha256, createdAt: info.createdAt };
        }),
      )
    ).filter((m): m is ModelEntry => m !== undefined);
    fromStore.sort((a, b) => a.name.localeCompare(b.name) || a.model.localeCompare(b.model));
    return { zoo: this.zoo ? { name: this.zoo.name, targets: this.zoo.targets } : null, models: [...fromZoo, ...fromStore] };
  }

  /** Starts a validated zoo; ConflictError when the run id is taken. */
  async start(zoo: ZooSpec, runId?: string): Promise<StartedZoo> {
    let id: string;
    try {
      id = (await startZooRun(this.client, zoo, runId)).workflowId;
    } catch (err) {
      if (err instanceof ZooRunExistsError) throw new ConflictError(err.message);
      throw err;
    }
    this.specs.set(id, zoo); // what detail() would otherwise read back from the history
    return { id, name: zoo.name, runs: planZoo(zoo).length, concurrency: zoo.concurrency };
  }

  /** Zoo runs, newest first; one row per workflow id (a continue-as-new chain is one zoo). */
  async list(limit: number): Promise<ZooRow[]> {
    const rows = new Map<string, ZooRow>();
    for await (const wf of this.client.workflow.list({ query: ZOO_QUERY })) {
      const status = statusName(wf.status);
      const have = rows.get(wf.workflowId);
      if (have && have.status !== 'continued_as_new') continue;
      if (have && status === 'continued_as_new') continue;
      if (!have && rows.size >= limit) break;
      rows.set(wf.workflowId, { id: wf.workflowId, status, startedAt: wf.startTime.toISOString(), closedAt: wf.closeTime?.toISOString() });
    }
    await Promise.all([...rows.values()].map((r) => this.fill(r)));
    return [...rows.values()];
  }

  /** Progress (running), summary and name (leaderboard, once written). */
  private async fill(r: ZooRow): Promise<Leaderboard | undefined> {
    if (r.status === 'running' || r.status === 'continued_as_new') {
      r.progress = await queryWithin(this.client.workflow.getHandle(r.id).query(zooProgressQuery), 5000);
      if (r.progress) r.name = r.progress.name;
    }
    const board = r.status === 'completed' ? await this.leaderboard(r.id) : undefined;
    if (board) {
      r.name = board.zoo;
      r.summary = board.summary;
    }
    return board;
  }

  async detail(id: string): Promise<ZooDetail> {
    const handle = this.client.workflow.getHandle(id);
    let desc;
    try {
      desc = await handle.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError || (err as { code?: number }).code === 5) throw new NotFoundError(`no zoo run "${id}"`);
      throw err;
    }
    if (desc.type !== 'zooWorkflow') throw new NotFoundError(`no zoo run "${id}" (it is a ${desc.type})`);
    const status = statusName(desc.status);
    const d: ZooDetail = { id, status, startedAt: desc.startTime.toISOString(), closedAt: desc.closeTime?.toISOString(), closed: status !== 'running' };
    const board = await this.fill(d);
    if (board) d.leaderboard = board;
    if (status === 'completed') {
      const result = (await handle.result().catch(() => undefined)) as ZooResult | undefined;
      if (result) {
        d.progress = {
          zooId: id,
          name: result.name,
          status: 'completed',
          total: result.total,
          started: result.total,
          running: 0,
          completed: result.completed,
          failed: result.failed,
          maxRunning: result.maxRunning,
          concurrency: 0,
          generation: result.generations,
          runningIds: [],
          leaderboardKey: result.leaderboardKey,
        };
      }
    }
    const spec = await this.specOf(id).catch(() => undefined);
    if (spec) {
      d.spec = { name: spec.name, models: spec.models.map((m) => m.name), targets: spec.targets };
      d.name ??= spec.name;
    }
    return d;
  }

  private readonly specs = new Map<string, ZooSpec>();

  private async specOf(id: string): Promise<ZooSpec | undefined> {
    const hit = this.specs.get(id);
    if (hit) return hit;
    const history = await this.client.workflow.getHandle(id).fetchHistory();
    const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    const spec = payload ? (defaultPayloadConverter.fromPayload(payload) as ZooSpec) : undefined;
    if (spec) this.specs.set(id, spec);
    return spec;
  }

  /** The stored leaderboard, or undefined before the zoo wrote it. */
  private async leaderboard(id: string): Promise<Leaderboard | undefined> {
    const hit = this.boards.get(id);
    if (hit) return hit;
    const { leaderboardKey } = leaderboardKeysOf(id);
    if (!(await this.store.stat(leaderboardKey))) return undefined;
    const board = JSON.parse((await this.store.get(leaderboardKey)).toString('utf8')) as Leaderboard;
    this.boards.set(id, board);
    return board;
  }
}

/** A query that gives up (undefined) when no worker answers in time. */
async function queryWithin<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p.catch(() => undefined), new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}
