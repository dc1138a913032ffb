/**
 * `seamflow reengineer --direct --defects A`: the evaluateDefects stage in
 * this process. Both students measured on the run's own problem, their
 * reports written to OUT/defects/, the comparison returned for report.json.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../engine/data/atomic-write.js';
import type { TargetProblem } from '../engine/data/types.js';
import { compareDefects, pgdSettingsFor, reuseSettingsFor, validateComparison, type DefectComparison } from '../engine/defect/compare.js';
import { evaluateDefectOn, type DefectReport } from '../engine/defect/evaluate.js';
import type { ReuseMethod } from '../engine/defect/reuse.js';
import type { Graph } from '../engine/graph/types.js';
import { readTrainedMeta } from '../engine/train/source-model.js';
import { logger } from '../infra/log.js';
import type { DefectSettings } from '../workflows/types.js';
import { createDefectsBars } from './defects-progress.js';

export async function measureDefectsDirect(a: {
  graph: Graph;
  modelDir: string;
  problem: TargetProblem;
  classNames: string[];
  dataSpec: string;
  limit: number | null;
  settings: DefectSettings;
  outDir: string;
}): Promise<DefectComparison> {
  validateComparison(a.settings);
  const log = logger('defects');
  const meta = await readTrainedMeta(a.modelDir);
  const reports = {} as Record<ReuseMethod, DefectReport>;
  for (const method of ['standard', 'seam'] as const) {
    log.info(`defect inheritance: ${method} reuse, ${a.settings.attack} attack`);
    const bars = createDefectsBars();
    const { report } = await evaluateDefectOn(
      {
        teacher: a.graph,
        meta,
        problem: a.problem,
        classNames: a.classNames,
        attack: a.settings.attack,
        reuse: reuseSettingsFor(method, a.settings),
        pgd: pgdSettingsFor(a.settings),
        testLimit: a.settings.limit,
        source: { teacher: a.modelDir, data: a.dataSpec, limit: a.limit },
      },
      {
        onStep: (phase, done, total, note) => bars.update({ method, phase, done, total, note }),
        onAttackProgress: (done, total) => bars.update({ method, phase: 'attack', done, total }),
      },
    );
    bars.finish();
    reports[method] = report;
  }
  await mkdir(path.join(a.outDir, 'defects'), { recursive: true });
  for (const [method, report] of Object.entries(reports)) {
    await writeFileAtomic(path.join(a.outDir, 'defects', `${method}.json`), JSON.stringify(report, null, 2));
  }
  return compareDefects(reports.standard, reports.seam);
}
