import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { registry } from '../infra/metrics/registry.js';
import { ROOT } from './deploy-helpers.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const dashboard = JSON.parse(readFileSync(path.join(ROOT, 'infra', 'grafana', 'seamflow-dashboard.json'), 'utf8')) as Obj;
const panels = (dashboard.panels as Obj[]).flatMap((p) => [p, ...((p.panels ?? []) as Obj[])]);
const exprs: { panel: string; expr: string }[] = [
  ...panels.flatMap((p) => ((p.targets ?? []) as Obj[]).map((t) => ({ panel: p.title as string, expr: t.expr as string }))),
  ...(dashboard.templating.list as Obj[])
    .filter((v) => v.type === 'query')
    .map((v) => ({ panel: `$${v.name}`, expr: (typeof v.query === 'string' ? v.query : v.query.query) as string })),
];

/** Series names our registry exposes, with each one's label names. */
async function exposedSeries(): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const m of await registry.getMetricsAsJSON()) {
    const metric = registry.getSingleMetric(m.name) as unknown as { labelNames?: string[] };
    const labels = new Set(metric?.labelNames ?? []);
    const type = String(m.type);
    const names = type === 'histogram' ? ['_bucket', '_sum', '_count'].map((s) => m.name + s) : [m.name];
    if (type === 'summary') names.push(`${m.name}_sum`, `${m.name}_count`);
    for (const n of names) out.set(n, n.endsWith('_bucket') ? new Set([...labels, 'le']) : labels);
  }
  return out;
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

/** Metric names a PromQL expression (or label_values(...) query) reads. */
function metricNames(expr: string): string[] {
  const s = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ')
    .replace(/label_values\(\s*([a-zA-Z_:][\w:]*)\s*,\s*\w+\s*\)/g, ' $1 ');
  return [...s.matchAll(/(?<![\w:.])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()/g)]
    .map((m) => m[1]!)
    .filter((n) => !KEYWORDS.has(n.toLowerCase()));
}

/** Label names an expression uses on each of its selectors and in by (...). */
function labelUses(expr: string): { metric: string; label: string }[] {
  const out: { metric: string; label: string }[] = [];
  for (const m of expr.matchAll(/([a-zA-Z_:][\w:]*)\{([^}]*)\}/g)) {
    for (const l of m[2]!.matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g)) out.push({ metric: m[1]!, label: l[1]! });
  }
  return out;
}

const TARGET_LABELS = ['instance', 'job', 'component', 'pod', 'node'];

describe('Grafana dashboard', () => {
  it('is a dashboard with a uid, a Prometheus datasource variable and laid-out panels', () => {
    expect(dashboard.uid).toMatch(/^[\w-]{1,40}$/);
    expect(dashboard.title).toBeTruthy();
    expect(dashboard.templating.list.find((v: Obj) => v.type === 'datasource')?.query).toBe('prometheus');
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      if (p.type !== 'row') expect(p.targets?.length, p.title).toBeGreaterThan(0);
    }
  });

  it('reads only metrics that infra/metrics/registry.ts exposes, with their labels', async () => {
    const series = await exposedSeries();
    expect(exprs.length).toBeGreaterThan(10);
    for (const { panel, expr } of exprs) {
      const names = metricNames(expr);
      expect(names.length, `${panel}: no metric in ${expr}`).toBeGreaterThan(0);
      for (const n of names) expect(series.has(n), `${panel}: unknown metric ${n} in ${expr}`).toBe(true);
      for (const { metric, label } of labelUses(expr)) {
        const ok = series.get(metric)?.has(label) || TARGET_LABELS.includes(label);
        expect(ok, `${panel}: ${metric} has no label ${label}`).toBe(true);
      }
      for (const by of expr.matchAll(/\bby\s*\(([^)]*)\)/g)) {
        for (const label of by[1]!.split(',').map((l) => l.trim())) {
          const ok = names.some((n) => series.get(n)?.has(label)) || TARGET_LABELS.includes(label);
          expect(ok, `${panel}: by (${label}) on ${names.join(', ')}`).toBe(true);
        }
      }
    }
  });

  it('covers stage durations, search progress, attempts, artifacts, busy slots and memory', () => {
    const all = exprs.map((e) => e.expr).join('\n');
    expect(all).toMatch(/histogram_quantile\([^,]+,\s*sum by \(le, stage\) \(rate\(seamflow_stage_duration_seconds_bucket/);
    for (const m of [
      'seamflow_search_epoch',
      'seamflow_search_loss',
      'seamflow_search_wrr',
      'seamflow_activity_attempts_total',
      'seamflow_artifact_bytes_total',
      'seamflow_worker_busy_slots',
      'seamflow_process_resident_memory_bytes',
    ]) {
      expect(all, m).toContain(m);
    }
    expect(all).toMatch(/sum by \(queue\) \(seamflow_worker_busy_slots/);
    expect(all).toMatch(/seamflow_activity_attempts_total\{[^}]*result!="ok"/);
  });
});
