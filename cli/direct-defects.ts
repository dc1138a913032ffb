/**
 * `seamflow reengineer --direct --defects A`: the evaluateDefects stage in
 * this process. Both students measured on the run's own problem, their
 * reports written to OUT/defects/, the comparison returned for report.json.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../engine/data/atomic-write.js';
import type { TargetProblem } from '../engine/data/types.js';
import type { DefectComparison } from '../engine/defect/compare.js';
import { measureDefectPair } from '../engine/defect/pair.js';
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
  const log = logger('defects');
  const bars = createDefectsBars();
  const { reports, comparison } = await measureDefectPair(
    { teacher: a.graph, meta: await readTrainedMeta(a.modelDir), problem: a.problem, classNames: a.classNames, source: { teacher: a.modelDir, data: a.dataSpec, limit: a.limit }, settings: a.settings },
    {
      hooksFor: (method) => {
        bars.finish();
        log.info(`defect inheritance: ${method} reuse, ${a.settings.attack} attack`);
        return {
          onStep: (phase, done, total, note) => bars.update({ method, phase, done, total, note }),
          onAttackProgress: (done, total) => bars.update({ method, phase: 'attack', done, total }),
        };
      },
    },
  );
  bars.finish();
  await mkdir(path.join(a.outDir, 'defects'), { recursive: true });
  for (const [method, report] of Object.entries(reports)) {
    await writeFileAtomic(path.join(a.outDir, 'defects', `${method}.json`), JSON.stringify(report, null, 2));
  }
  return comparison;
}
