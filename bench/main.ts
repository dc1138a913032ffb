/**
 * `npm run bench -- <suite> [--quick] [--out bench/results] [suite flags]`:
 * runs one suite and writes bench/results/<suite>-<date>[-quick].{json,md}
 * plus its SVG plots. Every JSON carries the machine, the versions and the
 * wall time next to the suite's own settings and raw measurements.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseBenchArgs } from './lib/args.js';
import { machine, versions } from './lib/environment.js';
import { say } from './lib/progress.js';
import { resultBaseName, writeResults } from './lib/result-files.js';
import type { Suite } from './lib/suite.js';
import { ORCHESTRATION_FLAGS } from './suites/orchestration-options.js';

async function suites(): Promise<Suite[]> {
  const [{ backendSuite }, { reengineerSuite }, { exportSuite }, { orchestrationSuite }, { defectSuite }] = await Promise.all([
    import('./suites/backend.js'),
    import('./suites/reengineer.js'),
    import('./suites/export.js'),
    import('./suites/orchestration.js'),
    import('./suites/defect.js'),
  ]);
  return [backendSuite, reengineerSuite, exportSuite, orchestrationSuite, defectSuite];
}

function help(all: Suite[]): string {
  return [
    'Usage: npm run bench -- <suite> [--quick] [--out bench/results] [options]',
    '',
    ...all.map((s) => `  ${s.name.padEnd(12)} ${s.describe}`),
    '',
    'reengineer: --epochs N --targets 0,1,... --multiclass 3,5|none --limit N --granularity weight|filter',
    'export:     --epochs N --targets 0,1 --limit N (a real filter search; --quick adds random filter masks)',
    `orchestration: ${ORCHESTRATION_FLAGS}`,
    'defect:     --targets 0,1|0,8|0,2,9 --attack pgd|backdoor|both --epochs N --limit N|all --prune-threshold T',
    '            --search-epochs N --pgd-steps N --teacher-epochs N --teacher-limit N|all --seed S',
    '            (backdoor tasks must contain class 0, the trigger\'s; the trained teacher is cached in bench/tmp/)',
  ].join('\n');
}

interface Envelope {
  command: string;
  wallSeconds: number;
  machine: ReturnType<typeof machine>;
  versions: ReturnType<typeof versions>;
}

function footer(j: Envelope, base: string): string {
  const env = j.machine;
  const v = j.versions;
  return (
    `\n\n---\nMachine: ${env.cores} cores (${env.cpuModel}), ${env.memoryGiB} GiB, ${env.platform}. ` +
    `Node ${v.node}, tfjs ${v.tfjs}, tfjs-node ${v['tfjs-node'] ?? 'absent'}. ` +
    `Command: \`${j.command}\`; ${Math.round(j.wallSeconds)} s. Raw data: \`${base}.json\`.\n`
  );
}

/** `--render FILE.json`: rewrites a result's markdown and plots from its JSON (no measuring). */
async function rerender(suite: string, file: string): Promise<number> {
  if (suite !== 'reengineer') {
    console.error(`--render is supported for the reengineer suite only`);
    return 2;
  }
  const { renderReengineerJson } = await import('./suites/reengineer.js');
  const json = JSON.parse(await readFile(file, 'utf8')) as Envelope & Record<string, unknown>;
  const base = path.basename(file, '.json');
  const out = await renderReengineerJson(json, base);
  const dir = path.dirname(path.resolve(file));
  await writeFile(path.join(dir, `${base}.md`), out.markdown + footer(json, base));
  for (const [name, svg] of Object.entries(out.plots)) await writeFile(path.join(dir, `${base}-${name}.svg`), svg);
  say(`re-rendered ${path.join(dir, `${base}.md`)} from ${file}`);
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseBenchArgs(argv);
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  const all = await suites();
  if (args.help || !args.suite) {
    console.log(help(all));
    return args.help ? 0 : 2;
  }
  const suite = all.find((s) => s.name === args.suite);
  if (!suite) {
    console.error(`unknown suite "${args.suite}"; one of ${all.map((s) => s.name).join(', ')}`);
    return 2;
  }
  const render = args.flags['render'];
  if (typeof render === 'string') return rerender(suite.name, render);
  const date = new Date();
  const base = resultBaseName(suite.name, date, args.quick);
  const started = performance.now();
  const out = await suite.run({ quick: args.quick, flags: args.flags, base, out: path.resolve(args.out) });
  const wallSeconds = (performance.now() - started) / 1000;
  const json = {
    suite: suite.name,
    quick: args.quick,
    date: date.toISOString(),
    wallSeconds,
    command: `npm run bench -- ${argv.join(' ')}`,
    machine: machine(),
    versions: versions(),
    ...out.json,
  };
  const written = await writeResults(path.resolve(args.out), base, json, out.markdown + footer(json, base), out.plots);
  say(`wrote ${path.relative(process.cwd(), written.json)}, ${path.relative(process.cwd(), written.markdown)}${written.plots.length ? ` and ${written.plots.length} plot(s)` : ''}`);
  // The wasm backend keeps worker threads alive: end explicitly.
  const { disposeBackend } = await import('../infra/backend/index.js');
  await disposeBackend();
  return 0;
}
