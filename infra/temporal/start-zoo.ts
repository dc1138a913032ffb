/**
 * Starting a zoo run: the one way `seamflow zoo run` and the dashboard's
 * POST /api/zoos do it (same workflow, queue and run id scheme). The
 * workflow is named by type, so this client-side code loads no workflow code.
 */
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { zooWorkflow } from '../../workflows/zoo-workflow.js';
import { WORKFLOW_QUEUE } from '../../workflows/task-queues.js';
import type { ZooSpec } from '../zoo/index.js';

export class ZooRunExistsError extends Error {
  override name = 'ZooRunExistsError';
  constructor(readonly runId: string) {
    super(`a run with id "${runId}" already exists`);
  }
}

/** zoo-<name>-<time>-<random>: sorts by start time, never collides. */
export function newZooRunId(name: string, now = new Date()): string {
  return `zoo-${name}-${now.toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
}

/** Starts zooWorkflow on a validated zoo; ZooRunExistsError when the id is taken. */
export async function startZooRun(client: Client, zoo: ZooSpec, runId = newZooRunId(zoo.name)): Promise<WorkflowHandle<typeof zooWorkflow>> {
  try {
    return await client.workflow.start<typeof zooWorkflow>('zooWorkflow', { taskQueue: WORKFLOW_QUEUE, workflowId: runId, args: [zoo] });
  } catch (err) {
    // By name, like dashboard/runs-service: robust to a second copy of @temporalio/common.
    if ((err as Error).name === 'WorkflowExecutionAlreadyStartedError') throw new ZooRunExistsError(runId);
    throw err;
  }
}
