import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection, ScheduleNotFoundError } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ArtifactStore } from '../infra/artifacts/index.js';
import { backfillRange, parseIsoDate, validateCron } from '../infra/zoo/index.js';
import { createSeamWorkers, workflowBundle, type SeamWorkers } from '../workers/seam-worker.js';
import { runCli } from './helpers/cli.js';
import { startTestStack, type TestStack } from './helpers/test-stack.js';
import { tempDir } from './helpers/temp-dir.js';

describe('schedule input checks (pure)', () => {
  it.each(['0 2 * * *', '*/15 * * * *', '0 0-6/2 1,15 JAN-MAR MON-FRI', '@daily', '@every 30m', ' 5  4 * * sun '])('accepts cron "%s"', (c) => {
    expect(() => validateCron(c)).not.toThrow();
  });
  it.each([
    ['', /empty/],
    ['0 2 * *', /expected five fields .* got 4/],
    ['61 * * * *', /minute field "61": 61 is outside 0-59/],
    ['0 2 * * 9', /day of week field "9": 9 is outside 0-6/],
    ['0 2 * FOO *', /month field "FOO": "FOO" is not a number or a name/],
    ['*/0 * * * *', /step "0" must be a whole number >= 1/],
    ['5-1 * * * *', /runs backwards/],
    ['@nightly', /unknown alias/],
  ])('refuses cron "%s"', (c, message) => {
    expect(() => validateCron(c)).toThrow(message);
  });
  it('reads ISO dates and checks backfill ranges', () => {
    expect(parseIsoDate('from', '2024-05-01').toISOString()).toBe('2024-05-01T00:00:00.000Z');
    expect(parseIsoDate('from', '2024-05-01T02:30').toISOString()).toBe('2024-05-01T02:30:00.000Z');
    expect(parseIsoDate('from', '2024-05-01T02:30:00+02:00').toISOString()).toBe('2024-05-01T00:30:00.000Z');
    expect(() => parseIsoDate('from', 'yesterday')).toThrow(/--from "yesterday": expected an ISO date/);
    expect(() => parseIsoDate('to', '2023-02-29')).toThrow(/not a real date/);
    expect(() => parseIsoDate('to', undefined)).toThrow(/--to is required/);
    const now = new Date('2024-06-01T00:00:00Z');
    expect(() => backfillRange('2024-05-02', '2024-05-01', now)).toThrow(/must be before/);
    expect(() => backfillRange('2024-05-02', '2024-07-01', now)).toThrow(/in the future/);
  });
});

// Schedules on a real Temporal dev server, zoo runs executed by real workers, leaderboards in real S3.
describe('seamflow schedule on a real server', () => {
  let stack: TestStack;
  let connection: Connection;
  let native: NativeConnection;
  let client: Client;
  let store: S3ArtifactStore;
  let workers: SeamWorkers;
  let running: Promise<void>;
  const dir = tempDir('seamflow-schedule-');
  let env: NodeJS.ProcessEnv;
  const zooFile = path.join(dir.path, 'zoo.json');
  const badZooFile = path.join(dir.path, 'bad.json');

  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
    stack = await startTestStack();
    connection = await Connection.connect({ address: stack.temporalAddress! });
    native = await NativeConnection.connect({ address: stack.temporalAddress! });
    client = new Client({ connection, namespace: stack.namespace });
    store = new S3ArtifactStore({ ...stack.s3!, bucket: 'seamflow' });
    workers = await createSeamWorkers({ connection: native, namespace: stack.namespace, queues: ['cpu'], store, backend: 'test' });
    running = workers.run();
    env = {
      ...process.env,
      TEMPORAL_ADDRESS: stack.temporalAddress!,
      TEMPORAL_NAMESPACE: stack.namespace,
      SEAMFLOW_DATA_DIR: path.join(dir.path, 'data'),
      SEAMFLOW_LOG_LEVEL: 'warn',
      // The CLI reads leaderboards from the same store the workers write.
      SEAMFLOW_S3_ENDPOINT: stack.s3!.endpoint,
      SEAMFLOW_S3_BUCKET: 'seamflow',
      AWS_ACCESS_KEY_ID: stack.s3!.accessKey,
      AWS_SECRET_ACCESS_KEY: stack.s3!.secretKey,
    };
    // A zoo whose one run fails fast (its model does not exist): schedule mechanics without search time.
    writeFileSync(
      zooFile,
      JSON.stringify({ name: 'quick', datasets: { syn: 'synthetic' }, models: [{ name: 'ghost', path: './no-such-model' }], targets: [{ name: 't0', classes: [0] }] }, null, 2),
    );
    writeFileSync(badZooFile, '{\n  "datasets": { "syn": "synthetic" },\n  "models": [ { "path": 7 } ],\n  "targets": [ { "classes": [12] } ]\n}\n');
  });

  afterAll(async () => {
    workers?.shutdown();
    await running;
    await connection?.close();
    await native?.close();
    await stack?.cleanup();
    dir.remove();
  });

  async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
    const t0 = Date.now();
    for (;;) {
      const v = await fn();
      if (v !== undefined) return v;
      if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Zoo runs the schedule started, once that many are there and all have finished. */
  async function finishedRuns(n: number): Promise<{ workflowId: string; scheduledAt: Date }[]> {
    return waitFor(`${n} finished zoo runs`, async () => {
      const d = await client.schedule.getHandle('nightly').describe();
      if (d.info.recentActions.length < n || d.info.runningActions.length > 0) return undefined;
      const runs = d.info.recentActions.map((a) => ({ workflowId: a.action.workflow.workflowId, scheduledAt: a.scheduledAt }));
      for (const r of runs) {
        const status = (await client.workflow.getHandle(r.workflowId).describe()).status.name;
        if (status === 'RUNNING') return undefined;
        expect(status).toBe('COMPLETED');
      }
      return runs;
    }, 60_000);
  }

  it('refuses bad input before creating anything', async () => {
    const bad = await runCli(['schedule', 'create', '--name', 'nightly', '--cron', '0 2 * *', '--zoo', zooFile], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/cron "0 2 \* \*": expected five fields/);
    const badZoo = await runCli(['schedule', 'create', '--name', 'nightly', '--cron', '0 2 * * *', '--zoo', badZooFile], env);
    expect(badZoo.code).toBe(2);
    expect(badZoo.stderr).toContain('invalid zoo file (nothing was started)');
    expect(badZoo.stderr).toContain('bad.json line 3: models[0].path: expected a string, got number 7');
    expect(badZoo.stderr).toMatch(/bad\.json line 4: targets\[0\]\.classes\[0\]: class 12 is out of range/);
    const zooRun = await runCli(['zoo', 'run', badZooFile], env);
    expect(zooRun.code).toBe(2);
    expect(zooRun.stderr).toContain('bad.json line 3: models[0].path');
    const badDate = await runCli(['schedule', 'backfill', 'nightly', '--from', '2024-13-01', '--to', '2024-12-01'], env);
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toMatch(/--from "2024-13-01": not a real date/);
    const unknown = await runCli(['schedule', 'trigger', 'nobody'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no schedule named "nobody"/);
    const none = [];
    for await (const s of client.schedule.list()) none.push(s.scheduleId);
    expect(none).toEqual([]);
  });

  it('seamflow zoo run: runs the zoo file and prints its leaderboard; --detach returns at once', async () => {
    const res = await runCli(['zoo', 'run', zooFile, '--run-id', 'zoo-cli-quick', '--concurrency', '1'], env);
    // A failed row is not a failed zoo, but the command says so with its exit code.
    expect(res.code).toBe(1);
    expect(res.stdout).toContain('zoo run zoo-cli-quick: 1 run(s), at most 1 at once');
    expect(res.stdout).toMatch(/\| ghost \| t0 \| binary 0 \| failed: model folder .*no-such-model does not exist/);
    expect(res.stdout).toContain('leaderboard: zoos/zoo-cli-quick/leaderboard.json');
    const detached = await runCli(['zoo', 'run', zooFile, '--run-id', 'zoo-cli-detached', '--detach'], env);
    expect(detached.code).toBe(0);
    expect(detached.stdout).toContain('zoo run zoo-cli-detached');
    const result = (await client.workflow.getHandle('zoo-cli-detached').result()) as { total: number; failed: number };
    expect(result).toMatchObject({ total: 1, failed: 1 });
  });

  it('creates a nightly zoo schedule; trigger and backfill start zoo runs that write leaderboards', async () => {
    const created = await runCli(['schedule', 'create', '--name', 'nightly', '--cron', '0 2 * * *', '--zoo', zooFile], env);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/schedule nightly: zoo "quick" on "0 2 \* \* \*"; next run \d{4}-\d\d-\d\dT02:00:00\.000Z/);
    const again = await runCli(['schedule', 'create', '--name', 'nightly', '--cron', '0 3 * * *', '--zoo', zooFile], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/a schedule named "nightly" already exists/);

    const d = await client.schedule.getHandle('nightly').describe();
    expect(d.policies.overlap).toBe('SKIP');
    expect(d.policies.catchupWindow).toBe(3_600_000);
    expect(d.action.workflowType).toBe('zooWorkflow');

    const trig = await runCli(['schedule', 'trigger', 'nightly'], env);
    expect(trig.code).toBe(0);
    const [triggered] = await finishedRuns(1);
    expect(triggered!.workflowId).toMatch(/^zoo-nightly-/);

    // Two nightly times in the past: 2 and 1 days ago at 02:00 UTC.
    const day = 86_400_000;
    const today2am = new Date(Math.floor(Date.now() / day) * day + 2 * 3_600_000);
    const from = new Date(today2am.getTime() - 2 * day - 60_000).toISOString();
    const to = new Date(today2am.getTime() - day + 60_000).toISOString();
    const back = await runCli(['schedule', 'backfill', 'nightly', '--from', from, '--to', to], env);
    expect(back.stderr).toBe('');
    expect(back.code).toBe(0);
    const runs = await finishedRuns(3);
    const backfilled = runs.filter((r) => r.scheduledAt.getTime() < Date.now() - 3_600_000);
    expect(backfilled.map((r) => r.scheduledAt.toISOString()).sort()).toEqual(
      [new Date(today2am.getTime() - 2 * day).toISOString(), new Date(today2am.getTime() - day).toISOString()],
    );
    // Each zoo run stored its leaderboard (the scheduled id's ":" become "-" in the key).
    for (const r of runs) {
      const result = (await client.workflow.getHandle(r.workflowId).result()) as { leaderboardKey: string; failed: number };
      expect(result.failed).toBe(1);
      expect(result.leaderboardKey).toBe(`zoos/${r.workflowId.replace(/:/g, '-')}/leaderboard.json`);
      expect(await store.stat(result.leaderboardKey)).toBeDefined();
    }
    // Scheduled zoo runs replay.
    const history = await client.workflow.getHandle(runs[0]!.workflowId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, runs[0]!.workflowId);
  });

  it('pauses, unpauses, lists and deletes', async () => {
    expect((await runCli(['schedule', 'pause', 'nightly'], env)).code).toBe(0);
    expect((await client.schedule.getHandle('nightly').describe()).state.paused).toBe(true);
    // The schedule list comes from the server's visibility store, which lags a little behind.
    await waitFor('the paused schedule in the list', async () => {
      for await (const sch of client.schedule.list()) if (sch.scheduleId === 'nightly' && sch.state.paused) return true;
      return undefined;
    });
    const res = await runCli(['schedule', 'list', '--json'], env);
    const listed = JSON.parse(res.stdout) as { name: string; paused: boolean; cron: string; zoo: string }[];
    expect(listed[0]).toMatchObject({ name: 'nightly', paused: true, cron: '0 2 * * *', zoo: 'quick' });
    expect((await runCli(['schedule', 'unpause', 'nightly'], env)).code).toBe(0);
    expect((await client.schedule.getHandle('nightly').describe()).state.paused).toBe(false);

    const del = await runCli(['schedule', 'delete', 'nightly'], env);
    expect(del.code).toBe(0);
    await expect(client.schedule.getHandle('nightly').describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    const after = await runCli(['schedule', 'pause', 'nightly'], env);
    expect(after.code).toBe(2);
    expect(after.stderr).toMatch(/no schedule named "nightly"/);
  });
});
