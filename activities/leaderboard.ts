import { validateArtifactKey, type ArtifactStore } from '../infra/artifacts/index.js';
import { artifactBytes } from '../infra/metrics/registry.js';
import { keySafeId } from '../infra/zoo/zoo-plan.js';
import type { ZooChildResult } from '../infra/zoo/zoo-spec.js';
import { getJson, putJson } from './store-codec.js';

export interface WriteLeaderboardInput {
  zooId: string;
  zooName: string;
  concurrency: number;
  /** Most child runs the zoo had in flight at once (its own bookkeeping, across continue-as-new). */
  maxRunning: number;
  /** How many workflow runs the zoo took (1 + continue-as-new count). */
  generations: number;
  startedAt: string;
  finishedAt: string;
  rows: ZooChildResult[];
}

export interface LeaderboardRef {
  leaderboardKey: string;
  markdownKey: string;
}

export interface LeaderboardRow extends ZooChildResult {
  originalParams?: number;
  originalFlops?: number;
  /** Compact export / original. */
  paramsRatio?: number;
  flopsRatio?: number;
}

export function leaderboardKeysOf(zooId: string): LeaderboardRef {
  const base = `zoos/${keySafeId(zooId)}`;
  return { leaderboardKey: validateArtifactKey(`${base}/leaderboard.json`), markdownKey: validateArtifactKey(`${base}/leaderboard.md`) };
}

interface ReportNumbers {
  original?: { params?: number; flops?: number };
}

/**
 * The zoo's result: one row per model x target (zoo order) with the original
 * and re-engineered accuracy, WRR and the compact export's size, as JSON and
 * as a markdown table under zoos/<zoo id>/. The per-run reports add the
 * original model's size (for ratios); a row whose report is unreadable keeps
 * the numbers the workflow carried.
 */
export async function writeLeaderboard(store: ArtifactStore, input: WriteLeaderboardInput): Promise<LeaderboardRef> {
  const rows: LeaderboardRow[] = [];
  for (const r of [...input.rows].sort((a, b) => a.index - b.index)) {
    const row: LeaderboardRow = { ...r };
    if (r.status === 'completed' && r.reportKey) {
      const report = await getJson<ReportNumbers>(store, r.reportKey).catch(() => undefined);
      const op = report?.original?.params;
      const of = report?.original?.flops;
      if (op) {
        row.originalParams = op;
        if (r.compactParams !== undefined) row.paramsRatio = r.compactParams / op;
      }
      if (of) {
        row.originalFlops = of;
        if (r.compactFlops !== undefined) row.flopsRatio = r.compactFlops / of;
      }
    }
    rows.push(row);
  }
  const keys = leaderboardKeysOf(input.zooId);
  const lineage = { runId: input.zooId, stage: 'writeLeaderboard' };
  const summary = {
    total: rows.length,
    completed: rows.filter((r) => r.status === 'completed').length,
    failed: rows.filter((r) => r.status === 'failed').length,
  };
  const doc = {
    zooId: input.zooId,
    zoo: input.zooName,
    createdAt: new Date().toISOString(),
    startedAt: input.startedAt,
    finishedAt: input.finishedAt,
    concurrency: input.concurrency,
    maxRunning: input.maxRunning,
    generations: input.generations,
    summary,
    rows,
  };
  await putJson(store, keys.leaderboardKey, doc, lineage);
  const md = Buffer.from(leaderboardMarkdown(doc));
  await store.put(keys.markdownKey, md, { lineage, contentType: 'text/markdown' });
  artifactBytes.inc({ direction: 'written', store: store.kind }, md.byteLength);
  return keys;
}

const pct = (x: number | undefined) => (x === undefined ? '' : `${(x * 100).toFixed(2)}%`);
const count = (x: number | undefined) => (x === undefined ? '' : String(x));
const mflops = (x: number | undefined) => (x === undefined ? '' : (x / 1e6).toFixed(3));
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\s+/g, ' ');

/** The leaderboard as a markdown table (pure). */
export function leaderboardMarkdown(doc: {
  zooId: string;
  zoo: string;
  finishedAt: string;
  summary: { total: number; completed: number; failed: number };
  maxRunning: number;
  concurrency: number;
  rows: LeaderboardRow[];
}): string {
  const lines = [
    `# Zoo ${doc.zoo}: leaderboard`,
    '',
    `Run \`${doc.zooId}\`, finished ${doc.finishedAt}: ${doc.summary.completed} of ${doc.summary.total} completed, ${doc.summary.failed} failed; ` +
      `at most ${doc.maxRunning} child runs at once (bound ${doc.concurrency}).`,
    '',
    '| model | target | classes | status | original acc | re-engineered acc | WRR | compact params | compact MFLOPs | params ratio | FLOPs ratio |',
    '|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of doc.rows) {
    const status = r.status === 'completed' ? 'completed' : `${r.status}${r.error ? `: ${cell(r.error).slice(0, 120)}` : ''}`;
    lines.push(
      `| ${r.model} | ${r.target} | ${`${r.mode ?? ''} ${(r.classes ?? []).join(',')}`.trim()} | ${status} | ${pct(r.originalAccuracy)} | ${pct(r.accuracy)} | ${pct(r.wrr)} | ` +
        `${count(r.compactParams)} | ${mflops(r.compactFlops)} | ${pct(r.paramsRatio)} | ${pct(r.flopsRatio)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
