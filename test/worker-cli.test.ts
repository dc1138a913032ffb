import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../infra/paths.js';
import { TASK_QUEUES } from '../workflows/task-queues.js';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';
import { startTestStack, type TestStack } from './helpers/test-stack.js';

// `seamflow worker --cpu-serves`: the workflow-task-only process a big zoo wants (bench orchestration).
const env = { PATH: process.env.PATH, HOME: process.env.HOME };

describe('seamflow worker --cpu-serves', () => {
  it('refuses an unknown value and a worker without the cpu queue, naming the flag', async () => {
    const bad = await runCli(['worker', '--cpu-serves', 'sometimes'], env);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--cpu-serves must be both or workflow-tasks or activities, got "sometimes"');
    const noCpu = await runCli(['worker', '--queues', 'gpu', '--allow-cpu-for-gpu', '--cpu-serves', 'activities'], env);
    expect(noCpu.code).not.toBe(0);
    expect(noCpu.stderr).toContain('--cpu-serves needs the cpu queue');
  });

  let stack: TestStack | undefined;
  let child: ChildProcess | undefined;
  const data = tempDir('seamflow-worker-cli-');
  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await stack?.cleanup();
    data.remove();
  });

  it('workflow-tasks: polls seam-cpu for workflow tasks only, on a real dev server', async () => {
    stack = await startTestStack({ temporal: true, s3: false });
    child = spawn(process.execPath, [path.join(packageRoot, 'bin', 'seamflow.mjs'), 'worker', '--queues', 'cpu', '--cpu-serves', 'workflow-tasks'], {
      cwd: packageRoot,
      env: { ...env, TEMPORAL_ADDRESS: stack.temporalAddress, TEMPORAL_NAMESPACE: stack.namespace, SEAMFLOW_DATA_DIR: data.path, SEAMFLOW_BACKEND: 'wasm', SEAMFLOW_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    const until = Date.now() + 120_000;
    while (!out.includes('worker ready') && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    expect(out).toContain('worker ready');

    const connection = await Connection.connect({ address: stack.temporalAddress! });
    try {
      // temporal.api.enums.v1.TaskQueueType: 1 = workflow, 2 = activity.
      const WORKFLOW = 1;
      const ACTIVITY = 2;
      const pollers = async (type: typeof WORKFLOW | typeof ACTIVITY) =>
        (await connection.workflowService.describeTaskQueue({ namespace: stack!.namespace, taskQueue: { name: TASK_QUEUES.cpu }, taskQueueType: type })).pollers ?? [];
      const deadline = Date.now() + 30_000;
      while ((await pollers(WORKFLOW)).length === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 250));
      }
      expect((await pollers(WORKFLOW)).length).toBeGreaterThan(0);
      expect(await pollers(ACTIVITY)).toHaveLength(0);
    } finally {
      await connection.close();
    }
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });
});
