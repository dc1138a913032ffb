import { parseArgs } from 'node:util';
import { UsageError } from '../usage-error.js';

export const summary = 'Cancel a running run; its search saves a checkpoint first (resume later with `seamflow resume`)';

export async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log('Usage: seamflow cancel RUN_ID');
    return 0;
  }
  const [id] = positionals;
  if (!id) throw new UsageError('give the run id (see `seamflow runs`)');
  const { openRunSession } = await import('../run-session.js');
  const session = await openRunSession();
  try {
    const handle = session.temporal.client.workflow.getHandle(id);
    await handle.cancel();
    const outcome = await handle.result().then(
      () => 'completed before the cancellation arrived',
      (err: unknown) => (err instanceof Error ? err.message : String(err)),
    );
    console.log(`run ${id}: ${outcome}`);
    return 0;
  } finally {
    await session.close();
  }
}
