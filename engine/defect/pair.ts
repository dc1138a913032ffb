/**
 * Both measurements of a standard-vs-seam comparison on one teacher and
 * problem, standard first (a backdoor request the teacher cannot serve fails
 * before any training). The PGD inputs depend on the teacher only, so both
 * students are attacked with one computation. Callers keep their own storage:
 * `stored` returns a report measured earlier (a retried activity), `onReport`
 * saves each one as soon as it exists.
 */
import { compareDefects, pgdSettingsFor, reuseSettingsFor, validateComparison, type DefectComparison, type DefectComparisonSettings } from './compare.js';
import { evaluateDefectOn, type DefectHooks, type DefectInput, type DefectReport } from './evaluate.js';
import type { ReuseMethod } from './reuse-settings.js';

export type DefectPairInput = Pick<DefectInput, 'teacher' | 'meta' | 'problem' | 'classNames' | 'source'> & { settings: DefectComparisonSettings };

export interface DefectPairOptions {
  hooksFor?: (method: ReuseMethod) => DefectHooks;
  stored?: (method: ReuseMethod) => Promise<DefectReport | undefined>;
  onReport?: (method: ReuseMethod, report: DefectReport) => Promise<void>;
}

export async function measureDefectPair(
  input: DefectPairInput,
  opts: DefectPairOptions = {},
): Promise<{ reports: Record<ReuseMethod, DefectReport>; comparison: DefectComparison }> {
  const s = input.settings;
  validateComparison(s);
  const adversarialCache = new Map<string, Float32Array>();
  const reports = {} as Record<ReuseMethod, DefectReport>;
  for (const method of ['standard', 'seam'] as const) {
    let report = await opts.stored?.(method);
    if (!report) {
      ({ report } = await evaluateDefectOn(
        {
          teacher: input.teacher,
          meta: input.meta,
          problem: input.problem,
          classNames: input.classNames,
          source: input.source,
          attack: s.attack,
          reuse: reuseSettingsFor(method, s),
          pgd: pgdSettingsFor(s),
          testLimit: s.limit,
          adversarialCache,
        },
        opts.hooksFor?.(method),
      ));
      await opts.onReport?.(method, report);
    }
    reports[method] = report;
  }
  return { reports, comparison: compareDefects(reports.standard, reports.seam) };
}
