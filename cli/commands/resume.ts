import { parseArgs } from 'node:util';
import { UsageError } from '../usage-error.js';

export const summary = 'Resume a failed or cancelled run: a new run that reuses every finished stage and the last search checkpoint';

export async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { detach: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log('Usage: seamflow resume RUN_ID [--detach]\n\nStarts RUN_ID-resumed-<n> with the same inputs; stages already done are found in the\nartifact store by their content keys, and the search continues from its checkpoint.');
    return 0;
  }
  const [id] = positionals;
  if (!id) throw new UsageError('give the id of the failed run (see `seamflow runs`)');
  const { defaultPayloadConverter } = await import('@temporalio/common');
  const { openRunSession } = await import('../run-session.js');
  const { watchRun } = await import('../watch-run.js');
  const { reengineerWorkflow } = await import('../../workflows/reengineer-workflow.js');
  const { WORKFLOW_QUEUE } = await import('../../workflows/task-queues.js');
  const session = await openRunSession({ withWorkers: !values.detach });
  try {
    const client = session.temporal.client;
    const old = client.workflow.getHandle(id);
    const desc = await old.describe().catch((err: unknown) => {
      throw new UsageError(`no run "${id}": ${(err as Error).message}`);
    });
    if (desc.status.name === 'RUNNING' || desc.status.name === 'COMPLETED') {
      throw new UsageError(`run ${id} is ${desc.status.name.toLowerCase()}; only failed, cancelled, terminated or timed-out runs are resumed`);
    }
    const history = await old.fetchHistory();
    const payloads = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
    const args = payloads.map((p) => defaultPayloadConverter.fromPayload(p)) as Parameters<typeof reengineerWorkflow>;
    let n = 1;
    for (; ; n++) {
      const exists = await client.workflow.getHandle(`${id}-resumed-${n}`).describe().then(() => true, () => false);
      if (!exists) break;
    }
    const newId = `${id}-resumed-${n}`;
    await client.workflow.start(reengineerWorkflow, { taskQueue: WORKFLOW_QUEUE, workflowId: newId, args });
    console.log(`resuming ${id} as ${newId}`);
    if (values.detach) return 0;
    await watchRun(client, newId);
    const result = await client.workflow.getHandle(newId).result();
    console.log(`run ${newId}: ${result.status}; report ${result.reportKey}`);
    return 0;
  } finally {
    await session.close();
  }
}
