import { parseArgs } from 'node:util';
import { ZooFileError, ZooFileReadError, ZooOverrideError, overrideZoo, planZoo, readZooFile as readZoo, type ZooProgress, type ZooResult, type ZooSpec } from '../../infra/zoo/index.js';
import { intFlag, usage } from '../flags.js';
import { UsageError } from '../usage-error.js';

export const summary = 'Re-engineer a zoo (models x target problems from a zoo file) as one durable run with a leaderboard';

const HELP = `Usage: seamflow zoo run ZOO.json [--detach] [--run-id ID] [--epochs N] [--concurrency N]
       seamflow zoo validate ZOO.json

  run        start zooWorkflow: one reengineer run per model x target, at most
             "concurrency" at once; prints the leaderboard (also stored as
             zoos/<run id>/leaderboard.json and leaderboard.md in the artifact store)
  validate   check the zoo file (every mistake with its line) and list its jobs
  --detach   submit and return the run id (with no TEMPORAL_ADDRESS the embedded
             server needs \`seamflow stack up\` and \`seamflow worker\` to keep running it)
  --run-id   name the zoo run (default zoo-<name>-<time>-<random>)
  --epochs N, --concurrency N
             override the file's epochs (every model) and concurrency for this run

The file format is documented in examples/README.md (example: examples/zoo.json).`;

/** Reads and validates a zoo file; relative paths in it are resolved against its folder. Mistakes become usage errors. */
export async function readZooFile(file: string): Promise<ZooSpec> {
  try {
    return await readZoo(file);
  } catch (err) {
    if (err instanceof ZooFileReadError) throw new UsageError(`cannot read zoo file ${file}: ${err.code === 'ENOENT' ? 'no such file' : err.reason}`);
    if (err instanceof ZooFileError) throw new UsageError(`invalid zoo file (nothing was started):\n${err.message}`);
    throw err;
  }
}

export async function run(argv: string[]): Promise<number> {
  const parsed = usage(() =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        detach: { type: 'boolean' },
        'run-id': { type: 'string' },
        epochs: { type: 'string' },
        concurrency: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [sub, file, ...extra] = positionals;
  if (sub !== 'run' && sub !== 'validate') throw new UsageError(sub ? `unknown subcommand "${sub}" (run | validate)` : 'give a subcommand: run | validate (see --help)');
  if (!file) throw new UsageError(`give the zoo file: seamflow zoo ${sub} ZOO.json`);
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const overrides = { epochs: intFlag('epochs', values.epochs, 1), concurrency: intFlag('concurrency', values.concurrency, 1) };
  let zoo: ZooSpec;
  try {
    zoo = overrideZoo(await readZooFile(file), overrides);
  } catch (err) {
    if (err instanceof ZooOverrideError) throw new UsageError(`--${err.message}`);
    throw err;
  }
  const jobs = planZoo(zoo);
  if (sub === 'validate') {
    console.log(`${file}: zoo "${zoo.name}" is valid: ${zoo.models.length} model(s), ${zoo.targets.length} target(s), ${jobs.length} run(s), concurrency ${zoo.concurrency}`);
    for (const j of jobs) console.log(`  ${j.model.padEnd(24)} ${j.target.padEnd(24)} ${j.spec.target.mode} [${j.spec.target.classes.join(', ')}], ${j.spec.settings.epochs} epochs`);
    return 0;
  }

  const { openRunSession } = await import('../run-session.js');
  const { startZooRun, ZooRunExistsError } = await import('../../infra/temporal/start-zoo.js');
  const session = await openRunSession({ withWorkers: !values.detach });
  try {
    const handle = await startZooRun(session.temporal.client, zoo, values['run-id']).catch((err: unknown) => {
      throw err instanceof ZooRunExistsError ? new UsageError(`${err.message} (choose another --run-id)`) : err;
    });
    const runId = handle.workflowId;
    console.log(`zoo run ${runId}: ${jobs.length} run(s), at most ${zoo.concurrency} at once, on Temporal ${session.temporal.address}${session.temporal.embedded ? ' (embedded)' : ''}`);
    if (values.detach) {
      console.log(`its runs are ${runId}--<model>--<target>; the leaderboard lands at zoos/${runId}/leaderboard.md`);
      return 0;
    }
    let last = '';
    let done = false;
    const result = handle.result().finally(() => (done = true));
    while (!done) {
      const p = await handle.query<ZooProgress>('zooProgress').catch(() => undefined);
      if (p) {
        const line = `${p.completed + p.failed}/${p.total} finished (${p.failed} failed), ${p.running} running${p.generation > 1 ? `, generation ${p.generation}` : ''}`;
        if (line !== last) console.log(line);
        last = line;
      }
      await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
    }
    const out: ZooResult = await result;
    console.log((await session.store.get(out.markdownKey)).toString('utf8'));
    console.log(`leaderboard: ${out.leaderboardKey} (and ${out.markdownKey}) in the artifact store`);
    return out.failed === 0 ? 0 : 1;
  } finally {
    await session.close();
  }
}
