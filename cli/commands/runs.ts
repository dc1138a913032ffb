import { parseArgs } from 'node:util';

export const summary = 'List recent runs with their status';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { limit: { type: 'string', default: '20' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log('Usage: seamflow runs [--limit N] [--json]');
    return 0;
  }
  const limit = Math.max(1, Number(values.limit) || 20);
  const { openRunSession } = await import('../run-session.js');
  const session = await openRunSession();
  try {
    const rows: { id: string; type: string; status: string; started: string; closed?: string }[] = [];
    for await (const wf of session.temporal.client.workflow.list({ query: "WorkflowType = 'reengineerWorkflow'" })) {
      rows.push({ id: wf.workflowId, type: wf.type, status: wf.status.name, started: wf.startTime.toISOString(), closed: wf.closeTime?.toISOString() });
      if (rows.length >= limit) break;
    }
    if (values.json) console.log(JSON.stringify(rows, null, 2));
    else if (rows.length === 0) console.log('no runs yet');
    else for (const r of rows) console.log(`${r.id.padEnd(44)} ${r.status.padEnd(12)} ${r.started}`);
    return 0;
  } finally {
    await session.close();
  }
}
