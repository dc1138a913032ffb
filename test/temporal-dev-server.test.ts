import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackBinary } from '../infra/stack/binaries.js';
import * as activities from './fixtures/hello-activities.js';
import { helloWorkflow } from './fixtures/hello-workflows.js';
import { startTestStack, type TestStack } from './helpers/test-stack.js';

// The real Temporal dev server from .tools (no download), a real worker, a real client.
const workflowsPath = fileURLToPath(new URL('./fixtures/hello-workflows.ts', import.meta.url));
const quiet = new DefaultLogger('WARN');

let stack: TestStack;
let bundle: WorkflowBundleWithSourceMap;

beforeAll(async () => {
  Runtime.install({ logger: quiet });
  // Bundling (~2 s) and the server start overlap; the bundle serves every test here.
  [stack, bundle] = await Promise.all([
    startTestStack({ s3: false }),
    bundleWorkflowCode({ workflowsPath, logger: quiet }),
  ]);
});

afterAll(async () => {
  await stack?.cleanup();
});

async function runHello(connection: NativeConnection, client: Client, namespace: string, name: string) {
  const taskQueue = `hello-${randomUUID()}`;
  const workflowId = `hello-${randomUUID()}`;
  const worker = await Worker.create({ connection, namespace, taskQueue, workflowBundle: bundle, activities });
  const result = await worker.runUntil(client.workflow.execute(helloWorkflow, { taskQueue, workflowId, args: [name] }));
  return { result, workflowId };
}

describe('Temporal dev server from the local stack', () => {
  it('runs a workflow with an activity end to end, then replays its history', async () => {
    const address = stack.temporalAddress!;
    const nativeConnection = await NativeConnection.connect({ address });
    const connection = await Connection.connect({ address });
    try {
      const client = new Client({ connection, namespace: stack.namespace });
      const { result, workflowId } = await runHello(nativeConnection, client, stack.namespace, 'seamflow');
      expect(result).toBe('Hello, seamflow!');

      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      const types = (history.events ?? []).map((e) => e.eventType);
      expect(types.length).toBeGreaterThan(5);
      // Throws on any nondeterminism between the code and the recorded history.
      await Worker.runReplayHistory({ workflowBundle: bundle, replayName: 'hello-replay' }, history, workflowId);
    } finally {
      await connection.close();
      await nativeConnection.close();
    }
  });

  it('serves TestWorkflowEnvironment.createFromExistingServer', async () => {
    const env = await TestWorkflowEnvironment.createFromExistingServer({ address: stack.temporalAddress!, namespace: stack.namespace });
    try {
      const { result } = await runHello(env.nativeConnection, env.client, stack.namespace, 'existing server');
      expect(result).toBe('Hello, existing server!');
    } finally {
      await env.teardown(); // closes connections; the stack's server keeps running
    }
  });

  it('lets TestWorkflowEnvironment.createLocal run the installed binary offline', async () => {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        // Default is a download, which fails offline: point it at the .tools binary.
        executable: { type: 'existing-path', path: stackBinary('temporal') },
        ip: '127.0.0.1',
        extraArgs: ['--dynamic-config-value', 'frontend.enableServerVersionCheck=false'],
      },
    });
    try {
      const { result } = await runHello(env.nativeConnection, env.client, env.namespace ?? 'default', 'createLocal');
      expect(result).toBe('Hello, createLocal!');
    } finally {
      await env.teardown(); // stops the server it started
    }
  });
});
