import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { checkListenPolicy, isLoopbackHost } from '../dashboard/auth.js';
import { registerModelFolder } from '../activities/model-bundle.js';
import { startDashboard, type RunningDashboard } from '../dashboard/server.js';
import { loadZooFile } from '../dashboard/zoo-service.js';
import { FsArtifactStore } from '../infra/artifacts/index.js';
import { ZooFileError } from '../infra/zoo/index.js';
import { WORKFLOW_QUEUE } from '../workflows/task-queues.js';
import { zooWorkflow } from '../workflows/zoo-workflow.js';
import { createSeamWorkers, type SeamWorkers } from '../workers/seam-worker.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { trainTinyOnSynthetic, type Trained } from './fixtures/engine/trained.js';
import { tempDir } from './helpers/temp-dir.js';
import { startTestStack, type TestStack } from './helpers/test-stack.js';
import { tinyZoo, tinyZooDocument } from './fixtures/tiny-zoo.js';

// The HTTP API on a real Temporal dev server, real workers and the real TF.js backend.
useEngineBackend();

const TOKEN = 'tok-dashboard-test-7f3a9c2e';
const S3_SECRET = 's3-secret-never-shown-5b1d';

let stack: TestStack;
let connection: Connection;
let native: NativeConnection;
let workers: SeamWorkers;
let running: Promise<void>;
let trained: Trained;
let dash: RunningDashboard;
let client: Client;
let store: FsArtifactStore;
const storeDir = tempDir('seamflow-dash-store-');
const zooDir = tempDir('seamflow-dash-zoo-');
const bodies: string[] = [];
const logged: string[] = [];

async function call(path: string, init: { method?: string; body?: unknown; token?: string | null; raw?: string } = {}) {
  const headers: Record<string, string> = {};
  const token = init.token === undefined ? TOKEN : init.token;
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (init.raw !== undefined) body = init.raw;
  else if (init.body !== undefined) body = JSON.stringify(init.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(new URL(path, dash.url), { method: init.method ?? 'GET', headers, body });
  const text = await res.text();
  bodies.push(text, JSON.stringify([...res.headers]));
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

/** Reads the SSE stream until `end`, returning its events. */
async function events(id: string): Promise<{ event: string; data: any }[]> {
  const res = await fetch(new URL(`/api/runs/${id}/events`, dash.url), { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
  const text = await res.text(); // the server ends the stream when the run closes
  bodies.push(text);
  return text
    .split('\n\n')
    .filter((b) => b.includes('data: '))
    .map((b) => ({ event: /^event: (.*)$/m.exec(b)![1]!, data: JSON.parse(/^data: (.*)$/m.exec(b)![1]!) }));
}

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const write = process.stderr.write.bind(process.stderr);
  vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
    logged.push(String(chunk));
    return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write);
  [stack, trained] = await Promise.all([startTestStack({ temporal: true, s3: false }), trainTinyOnSynthetic()]);
  connection = await Connection.connect({ address: stack.temporalAddress! });
  native = await NativeConnection.connect({ address: stack.temporalAddress! });
  client = new Client({ connection, namespace: stack.namespace });
  store = new FsArtifactStore(storeDir.path);
  // The deployment's zoo (`seamflow dashboard --zoo FILE`): a relative model path, resolved against the file's folder.
  writeFileSync(
    path.join(zooDir.path, 'zoo.json'),
    JSON.stringify({
      name: 'dash-models',
      datasets: { syn: trained.spec },
      models: [{ name: 'tiny-zoo', path: path.relative(zooDir.path, trained.dir), dataset: 'syn', targets: ['two'] }],
      targets: [{ name: 'one', classes: [1] }, { name: 'two', classes: [2] }],
    }),
  );
  const zoo = await loadZooFile(path.join(zooDir.path, 'zoo.json'));
  workers = await createSeamWorkers({ connection: native, namespace: stack.namespace, queues: ['cpu', 'gpu'], store, backend: 'test' });
  running = workers.run();
  dash = await startDashboard({ client, store, namespace: stack.namespace, token: TOKEN, secrets: [S3_SECRET], host: '127.0.0.1', port: 0, sseIntervalMs: 300, zoo });
});

afterAll(async () => {
  await dash?.close();
  workers?.shutdown();
  await running;
  await connection?.close();
  await native?.close();
  await stack?.cleanup();
  storeDir.remove();
  zooDir.remove();
  vi.restoreAllMocks();
});

const runBody = () => ({ model: trained.dir, data: trained.spec, classes: [1], head: 'sliced', alpha: 1, lrMask: 0.05, epochs: 3, batchSize: 32, seed: 7 });

describe('dashboard API', () => {
  it('answers health without a token and refuses every other route without the right one', async () => {
    const health = await call('/api/health', { token: null });
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ ok: true, auth: true });
    for (const [method, path] of [
      ['GET', '/api/runs'],
      ['POST', '/api/runs'],
      ['GET', '/api/runs/x'],
      ['GET', '/api/runs/x/events'],
      ['GET', '/api/runs/x/report'],
      ['GET', '/api/runs/x/artifacts/report.json'],
      ['POST', '/api/runs/x/cancel'],
      ['POST', '/api/runs/x/resume'],
      ['GET', '/api/schedules'],
      ['POST', '/api/schedules/x/pause'],
      ['DELETE', '/api/schedules/x'],
      ['GET', '/api/config'],
      ['GET', '/api/models'],
      ['GET', '/api/zoos'],
      ['POST', '/api/zoos'],
      ['GET', '/api/zoos/x'],
    ]) {
      expect((await call(path!, { method, token: null })).status, `${method} ${path}`).toBe(401);
      expect((await call(path!, { method, token: 'wrong-token' })).status, `${method} ${path}`).toBe(401);
    }
    expect((await call('/', { token: null })).status).toBe(200); // pages hold no data
    expect((await call('/static/chart.umd.min.js', { token: null })).text).toMatch(/Chart/);
  });

  it('refuses to listen beyond loopback without a token', async () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('::1')).toBe(true);
    expect(isLoopbackHost('localhost')).toBe(true);
    expect(isLoopbackHost('0.0.0.0')).toBe(false);
    expect(isLoopbackHost('10.1.2.3')).toBe(false);
    expect(() => checkListenPolicy('0.0.0.0', undefined)).toThrow(/SEAMFLOW_API_TOKEN/);
    expect(() => checkListenPolicy('0.0.0.0', 'secret-token')).not.toThrow();
    expect(() => checkListenPolicy('127.0.0.1', undefined)).not.toThrow();
    await expect(startDashboard({ client: {} as Client, store: new FsArtifactStore(storeDir.path), namespace: 'default', host: '0.0.0.0', port: 0 })).rejects.toThrow(/refusing to listen on 0.0.0.0/);
  });

  it.each([
    ['model', { model: undefined }],
    ['data', { data: 'nosuchdataset:x' }],
    ['classes', { classes: [99] }],
    ['classes', { classes: [] }],
    ['classes', { classes: 'a,b' }],
    ['mode', { mode: 'sideways' }],
    ['granularity', { granularity: 'atom' }],
    ['select', { select: 'first' }],
    ['penalty', { penalty: 'speed' }],
    ['stopMidEpoch', { stopMidEpoch: true }],
    ['layerCost', { penalty: 'latency' }],
    ['layerCost', { penalty: 'flops', layerCost: 5 }],
    ['layerCost', { penalty: 'latency', layerCost: -1 }],
    ['alpha', { alpha: -1 }],
    ['epochs', { epochs: 0 }],
    ['epochs', { epochs: 1.5 }],
    ['batchSize', { batchSize: 'many' }],
    ['runId', { runId: '../escape' }],
    ['epohcs', { epohcs: 3 }],
    ['defects', { defects: 'pgd' }],
    ['defects.attack', { defects: { attack: 'fgsm' } }],
    ['defects.pruneThreshold', { defects: { attack: 'pgd', pruneThreshold: 2 } }],
    ['finetune', { finetune: 3 }],
    ['finetune.epochs', { finetune: { lr: 0.01 } }],
    ['finetune.epochs', { finetune: { epochs: 0 } }],
    ['finetune.lr', { finetune: { epochs: 2, lr: 0 } }],
    ['finetune.rate', { finetune: { epochs: 2, rate: 0.1 } }],
    ['head', { finetune: { epochs: 2 } }], // the sliced head on a binary target cannot be fine-tuned
  ])('POST /api/runs: a bad %s is a 400 naming the field', async (field, over) => {
    const res = await call('/api/runs', { method: 'POST', body: { ...runBody(), ...over } });
    expect(res.status).toBe(400);
    expect(res.json.field).toBe(field);
    expect(res.json.error).toContain(field);
  });

  it('POST /api/runs: a body that is not JSON is a 400', async () => {
    const res = await call('/api/runs', { method: 'POST', raw: '{"model":' });
    expect(res.status).toBe(400);
    expect(res.json.field).toBe('body');
  });

  it('unknown run ids are 404s; malformed ones 400s', async () => {
    for (const [method, path] of [
      ['GET', '/api/runs/no-such-run'],
      ['GET', '/api/runs/no-such-run/events'],
      ['GET', '/api/runs/no-such-run/report'],
      ['GET', '/api/runs/no-such-run/artifacts/report.json'],
      ['POST', '/api/runs/no-such-run/cancel'],
      ['POST', '/api/runs/no-such-run/resume'],
    ]) {
      const res = await call(path!, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.json.error).toMatch(/no run "no-such-run"/);
    }
    const bad = await call(`/api/runs/${encodeURIComponent('a b')}`);
    expect(bad.status).toBe(400);
    expect(bad.json.field).toBe('id');
  });

  it('starts a run, streams its progress to the end, serves its report and artifacts', async () => {
    const t0 = Date.now();
    const started = await call('/api/runs', { method: 'POST', body: { ...runBody(), runId: 'dash-run-1' } });
    expect(started.status).toBe(201);
    expect(started.json.id).toBe('dash-run-1');
    expect(started.json.spec.target).toEqual({ mode: 'binary', classes: [1] });

    const dup = await call('/api/runs', { method: 'POST', body: { ...runBody(), runId: 'dash-run-1' } });
    expect(dup.status).toBe(409);

    const stream = await events('dash-run-1');
    const progress = stream.filter((e) => e.event === 'progress').map((e) => e.data);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress[0].status).toBe('running');
    expect(stream.at(-1)).toEqual({ event: 'end', data: { id: 'dash-run-1', status: 'completed' } });
    const last = progress.at(-1);
    expect(last.closed).toBe(true);
    expect(last.progress.stages.every((s: { status: string }) => s.status === 'done')).toBe(true);
    expect(last.summary.wrr).toBeGreaterThan(0);
    // The stream saw stages move (pending/running -> done).
    const doneCounts = progress.map((p) => (p.progress?.stages ?? []).filter((s: { status: string }) => s.status === 'done').length);
    expect(Math.max(...doneCounts)).toBeGreaterThan(Math.min(...doneCounts));
    console.log(`run via API: ${((Date.now() - t0) / 1000).toFixed(1)} s, ${progress.length} progress events`);

    const detail = await call('/api/runs/dash-run-1');
    expect(detail.status).toBe(200);
    expect(detail.json.status).toBe('completed');
    expect(detail.json.spec.settings.epochs).toBe(3);

    const list = await call('/api/runs');
    const row = list.json.runs.find((r: { id: string }) => r.id === 'dash-run-1');
    expect(row.status).toBe('completed');
    expect(row.summary.reengineeredAccuracy).toBeGreaterThan(0.5);
    expect(row.summary.target).toMatchObject({ mode: 'binary', classes: [1] });

    const report = await call('/api/runs/dash-run-1/report');
    expect(report.status).toBe(200);
    expect(report.json.search.history).toHaveLength(3);
    expect(report.json.reengineered.wrr).toBeLessThanOrEqual(1);

    const arts = await call('/api/runs/dash-run-1/artifacts');
    const names = arts.json.artifacts.map((a: { name: string }) => a.name).sort();
    expect(names).toEqual(['compact-model.json', 'compact-weights.bin', 'masked-model.json', 'masked-weights.bin', 'masks.bin', 'masks.json', 'report.json']);
    const model = await call('/api/runs/dash-run-1/artifacts/compact-model.json');
    expect(model.status).toBe(200);
    expect(model.json.modelTopology).toBeDefined();
    expect(model.headers.get('content-disposition')).toContain('dash-run-1-compact-model.json');
    const weights = await fetch(new URL('/api/runs/dash-run-1/artifacts/compact-weights.bin', dash.url), { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(weights.status).toBe(200);
    expect((await weights.arrayBuffer()).byteLength).toBe(arts.json.artifacts.find((a: { name: string }) => a.name === 'compact-weights.bin').size);

    // Only names from the report: no paths, no traversal.
    for (const name of ['..%2F..%2F..%2Fetc%2Fpasswd', '..%2Freport.json', 'models%2Fx%2Fmodel.json', '%2Fetc%2Fpasswd', 'report.json.meta.json', 'weights.bin']) {
      const res = await call(`/api/runs/dash-run-1/artifacts/${name}`);
      expect(res.status, name).toBe(404);
      expect(res.text).not.toMatch(/root:/);
    }
    expect((await call('/api/runs/dash-run-1/artifacts/../../../etc/passwd')).status).not.toBe(200);

    // A completed run is neither cancelled nor resumed.
    expect((await call('/api/runs/dash-run-1/cancel', { method: 'POST' })).status).toBe(409);
    expect((await call('/api/runs/dash-run-1/resume', { method: 'POST' })).status).toBe(409);
  });

  it('cancels a running run and resumes it as a new run', async () => {
    // With defect evaluation: the spec carries it (defaults filled in) and the stages list it.
    const started = await call('/api/runs', { method: 'POST', body: { ...runBody(), epochs: 200, runId: 'dash-run-cancel', defects: { attack: 'pgd', epochs: '1' } } });
    expect(started.status).toBe(201);
    expect(started.json.spec.defects).toEqual({ attack: 'pgd', epochs: 1, pruneThreshold: 0.6, seed: 7 });
    expect((await call('/api/runs/dash-run-cancel/report')).status).toBe(409);
    const cancel = await call('/api/runs/dash-run-cancel/cancel', { method: 'POST' });
    expect(cancel.status).toBe(202);
    const stream = await events('dash-run-cancel');
    expect(stream.at(-1)!.data.status).toBe('cancelled');
    const resumed = await call('/api/runs/dash-run-cancel/resume', { method: 'POST' });
    expect(resumed.status).toBe(201);
    expect(resumed.json.id).toBe('dash-run-cancel-resumed-1');
    const detail = await call('/api/runs/dash-run-cancel-resumed-1');
    expect(detail.json.spec.settings.epochs).toBe(200);
    expect(detail.json.spec.defects.attack).toBe('pgd');
    expect(detail.json.progress.stages.map((x: { stage: string }) => x.stage)).toContain('evaluateDefects');
    expect((await call('/api/runs/dash-run-cancel-resumed-1/cancel', { method: 'POST' })).status).toBe(202);
    expect((await events('dash-run-cancel-resumed-1')).at(-1)!.data.status).toBe('cancelled');
  });

  it('shows the defect stage live in the run detail: student, phase, progress, ETA of the phase', async () => {
    // A one-epoch search, then a standard fine-tune long enough to watch (and cancel).
    const started = await call('/api/runs', { method: 'POST', body: { ...runBody(), epochs: 1, runId: 'dash-run-defects', defects: { attack: 'pgd', epochs: 500 } } });
    expect(started.status).toBe(201);
    const seen = new Set<string>();
    let live: any;
    for (const t0 = Date.now(); Date.now() - t0 < 120_000 && !(live?.done > 0); await new Promise((r) => setTimeout(r, 200))) {
      const d = (await call('/api/runs/dash-run-defects')).json;
      expect(d.closed, JSON.stringify(d.progress)).toBe(false);
      const stage = d.progress?.stages.find((x: { stage: string }) => x.stage === 'evaluateDefects');
      if (d.defects) {
        expect(stage.status).toBe('running'); // only while the stage runs
        expect(d.search).toBeUndefined();
        live = d.defects;
        seen.add(`${live.method}/${live.phase}`);
      }
    }
    expect(live).toMatchObject({ method: 'standard', phase: 'finetune', total: expect.any(Number), seconds: expect.any(Number), note: expect.stringMatching(/^loss \S+ acc \S+$/) });
    expect(live.done).toBeGreaterThan(0);
    expect(live.fraction).toBeCloseTo(live.done / live.total, 9);
    expect(live.etaSeconds).toBeGreaterThan(0);
    console.log(`defect phases seen live: ${[...seen].join(' ')}`);
    expect((await call('/api/runs/dash-run-defects/cancel', { method: 'POST' })).status).toBe(202);
    expect((await events('dash-run-defects')).at(-1)!.data.status).toBe('cancelled');
  });

  it('shows the fine-tuning stage live in the run detail: epoch, step, validation accuracy, progress, ETA', async () => {
    const body = { ...runBody(), head: 'appended', epochs: 1, runId: 'dash-run-finetune', finetune: { epochs: '500', lr: '0.01' } };
    const started = await call('/api/runs', { method: 'POST', body });
    expect(started.status).toBe(201);
    expect(started.json.spec.finetune).toEqual({ epochs: 500, lr: 0.01 });
    let live: any;
    for (const t0 = Date.now(); Date.now() - t0 < 120_000 && !(live?.valAccuracy !== undefined && live?.etaSeconds !== undefined); await new Promise((r) => setTimeout(r, 200))) {
      const d = (await call('/api/runs/dash-run-finetune')).json;
      expect(d.closed, JSON.stringify(d.progress)).toBe(false);
      const names = d.progress?.stages.map((x: { stage: string }) => x.stage) ?? [];
      if (names.length) expect(names.indexOf('finetuneModel')).toBe(names.indexOf('evaluateReengineered') + 1);
      if (d.finetune) {
        expect(d.progress.stages.find((x: { stage: string }) => x.stage === 'finetuneModel').status).toBe('running'); // only while the stage runs
        live = d.finetune;
      }
    }
    expect(live).toMatchObject({ epochs: 500, total: 500 * live.steps, loss: expect.any(Number), valAccuracy: expect.any(Number), startValAccuracy: expect.any(Number) });
    expect(live.done).toBeGreaterThan(0);
    expect(live.fraction).toBeCloseTo(live.done / live.total, 9);
    expect(live.etaSeconds).toBeGreaterThan(0);
    expect((await call('/api/runs/dash-run-finetune/cancel', { method: 'POST' })).status).toBe(202);
    expect((await events('dash-run-finetune')).at(-1)!.data.status).toBe('cancelled');
  });

  it('creates, lists, pauses, unpauses and deletes zoo schedules; bad input names the field', async () => {
    const zoo = { name: 'dash-zoo', datasets: { syn: trained.spec }, models: [{ name: 'tiny', path: trained.dir, dataset: 'syn' }], targets: [{ name: 'one', mode: 'binary', classes: [1] }], settings: { epochs: 1, batchSize: 32 } };
    const badCron = await call('/api/schedules', { method: 'POST', body: { name: 'nightly', cron: 'every night', zoo } });
    expect(badCron.status).toBe(400);
    expect(badCron.json.field).toBe('cron');
    const badZoo = await call('/api/schedules', { method: 'POST', body: { name: 'nightly', cron: '0 2 * * *', zoo: { ...zoo, models: 'x' } } });
    expect(badZoo.status).toBe(400);
    expect(badZoo.json.field).toBe('zoo');
    const badName = await call('/api/schedules', { method: 'POST', body: { name: '../x', cron: '0 2 * * *', zoo } });
    expect(badName.json.field).toBe('name');

    const created = await call('/api/schedules', { method: 'POST', body: { name: 'nightly', cron: '0 2 * * *', zoo, paused: true } });
    expect(created.status, created.text).toBe(201);
    expect(created.json).toMatchObject({ name: 'nightly', paused: true, cron: '0 2 * * *', zoo: 'dash-zoo' });
    expect((await call('/api/schedules', { method: 'POST', body: { name: 'nightly', cron: '0 2 * * *', zoo } })).status).toBe(409);
    expect((await call('/api/schedules/nightly/unpause', { method: 'POST' })).status).toBe(200);
    expect((await call('/api/schedules')).json.schedules.find((s: { name: string }) => s.name === 'nightly').paused).toBe(false);
    expect((await call('/api/schedules/nightly/pause', { method: 'POST' })).status).toBe(200);
    expect((await call('/api/schedules')).json.schedules.find((s: { name: string }) => s.name === 'nightly').paused).toBe(true);
    expect((await call('/api/schedules/nope/trigger', { method: 'POST' })).status).toBe(404);
    expect((await call('/api/schedules/nightly', { method: 'DELETE' })).status).toBe(200);
    expect((await call('/api/schedules/nightly/pause', { method: 'POST' })).status).toBe(404);
  });

  it('lists the models of the --zoo file and those registered in the artifact store', async () => {
    const before = await call('/api/models');
    expect(before.status).toBe(200);
    expect(before.json.zoo).toEqual({ name: 'dash-models', targets: [{ name: 'one', mode: 'binary', classes: [1] }, { name: 'two', mode: 'binary', classes: [2] }] });
    const zooModel = before.json.models.find((m: { source: string }) => m.source === 'zoo');
    expect(zooModel).toEqual({ name: 'tiny-zoo', source: 'zoo', model: path.resolve(trained.dir), data: expect.stringMatching(/^synthetic:/), dataset: 'syn', targets: ['two'] });

    const ref = await registerModelFolder(store, trained.dir);
    const after = await call('/api/models');
    const stored = after.json.models.filter((m: { source: string }) => m.source === 'store');
    expect(stored).toContainEqual({ name: path.basename(trained.dir), source: 'store', model: ref.modelKey, size: expect.any(Number), sha256: ref.sha256, createdAt: expect.any(String) });
    expect(ref.modelKey).toMatch(/^models\/[0-9a-f]{32}\/model\.bin$/);
    // Only model bundles: the .meta.json lineage records and other keys are not models.
    expect(stored.every((m: { model: string }) => /^models\/[0-9a-f]{32}\/model\.bin$/.test(m.model))).toBe(true);

    // --zoo FILE is validated like `seamflow zoo validate`: every problem, by line.
    const bad = path.join(zooDir.path, 'bad.json');
    writeFileSync(bad, '{\n  "models": [{ "name": "x" }],\n  "targets": []\n}\n');
    const err = await loadZooFile(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZooFileError);
    expect((err as Error).message).toMatch(/bad\.json line 2: models\[0\]/);
    await expect(loadZooFile(path.join(zooDir.path, 'missing.json'))).rejects.toThrow(/cannot read .*missing\.json: ENOENT/);
  });

  it('lists zoo runs and shows one with its progress and leaderboard; unknown ids are 404s', async () => {
    const zoo = tinyZoo('dash-tiny', trained);
    await client.workflow.start(zooWorkflow, { taskQueue: WORKFLOW_QUEUE, workflowId: 'dash-zoo-1', args: [zoo] });
    const seen: string[] = [];
    let detail: any;
    for (const t0 = Date.now(); Date.now() - t0 < 120_000; ) {
      const res = await call('/api/zoos/dash-zoo-1');
      expect(res.status, res.text).toBe(200);
      detail = res.json;
      seen.push(`${detail.status}:${detail.progress?.status ?? '-'}`);
      if (detail.status === 'running') {
        expect(detail.progress).toMatchObject({ zooId: 'dash-zoo-1', name: 'dash-tiny', total: 2 });
        expect(detail.leaderboard).toBeUndefined();
      }
      if (detail.closed) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(seen[0]).toMatch(/^running:/);
    expect(detail).toMatchObject({ id: 'dash-zoo-1', status: 'completed', name: 'dash-tiny', closed: true, summary: { total: 2, completed: 2, failed: 0 } });
    expect(detail.progress).toMatchObject({ status: 'completed', total: 2, completed: 2, failed: 0, leaderboardKey: 'zoos/dash-zoo-1/leaderboard.json' });
    expect(detail.spec).toEqual({ name: 'dash-tiny', models: ['tiny'], targets: [{ name: 't0', mode: 'binary', classes: [0] }, { name: 't1', mode: 'binary', classes: [1] }] });
    const rows = detail.leaderboard.rows;
    expect(rows.map((r: { model: string; target: string; status: string }) => `${r.model}/${r.target}/${r.status}`)).toEqual(['tiny/t0/completed', 'tiny/t1/completed']);
    for (const r of rows) {
      expect(r.originalAccuracy).toBeGreaterThan(0);
      expect(r.accuracy).toBeGreaterThan(0.5);
      expect(r.wrr).toBeGreaterThan(0);
      expect(r.wrr).toBeLessThanOrEqual(1);
      expect(r.paramsRatio).toBeGreaterThan(0);
      expect(r.workflowId).toMatch(/^dash-zoo-1--tiny--t[01]$/);
    }
    console.log(`zoo via API: ${seen.length} polls, states ${[...new Set(seen)].join(' ')}`);

    const list = await call('/api/zoos');
    expect(list.status).toBe(200);
    expect(list.json.zoos).toHaveLength(1); // zoos only: not the re-engineering runs, not the zoo's children
    expect(list.json.zoos[0]).toMatchObject({ id: 'dash-zoo-1', status: 'completed', name: 'dash-tiny', summary: { total: 2, completed: 2, failed: 0 } });
    expect((await call('/api/runs')).json.runs.some((r: { id: string }) => r.id === 'dash-zoo-1')).toBe(false);

    const missing = await call('/api/zoos/no-such-zoo');
    expect(missing.status).toBe(404);
    expect(missing.json.error).toMatch(/no zoo run "no-such-zoo"/);
    const notZoo = await call('/api/zoos/dash-run-1'); // a re-engineering run, not a zoo
    expect(notZoo.status).toBe(404);
    expect(notZoo.json.error).toMatch(/reengineerWorkflow/);
    const bad = await call(`/api/zoos/${encodeURIComponent('../x')}`);
    expect(bad.status).toBe(400);
    expect(bad.json.field).toBe('id');
    const badLimit = await call('/api/zoos?limit=0');
    expect(badLimit.status).toBe(400);
    expect(badLimit.json.field).toBe('limit');
  });

  it('POST /api/zoos: a zoo document with mistakes is a 400 naming each line; bad overrides name the field', async () => {
    const before = (await call('/api/zoos')).json.zoos.map((z: { id: string }) => z.id);
    // As text, lines are the text's own: line 5 holds the bad path, line 8 the out-of-range class.
    const text = ['{', '  "name": "dash-bad",', `  "datasets": { "syn": ${JSON.stringify(trained.spec)} },`, '  "models": [', '    { "name": "tiny", "path": 7 }', '  ],', '  "targets": [', '    { "name": "t", "classes": [42] }', '  ]', '}'].join('\n');
    const bad = await call('/api/zoos', { method: 'POST', body: { zoo: text } });
    expect(bad.status).toBe(400);
    expect(bad.json.field).toBe('zoo');
    expect(bad.json.error).toContain('zoo: line 5: models[0].path: expected a string, got number 7');
    expect(bad.json.error).toMatch(/line 8: targets\[0\]\.classes\[0\]: class 42 is out of range/);
    expect(bad.json.issues.map((i: { line: number }) => i.line)).toEqual([5, 8]);
    const syntax = await call('/api/zoos', { method: 'POST', body: { zoo: '{\n  "name": "x",\n  "models": [\n}' } });
    expect(syntax.status).toBe(400);
    expect(syntax.json.error).toMatch(/^zoo: line 4: not valid JSON/);
    // An object is laid out with two-space indentation: its lines are those of that layout.
    const obj = await call('/api/zoos', { method: 'POST', body: { zoo: { ...tinyZooDocument('dash-obj', trained), concurrency: 0 } } });
    expect(obj.status).toBe(400);
    expect(obj.json.error).toMatch(/^zoo: line \d+: concurrency: expected an integer >= 1 and <= 64, got number 0$/);
    for (const [field, over] of [
      ['epochs', { epochs: 0 }],
      ['epochs', { epochs: 'many' }],
      ['concurrency', { concurrency: 65 }],
      ['runId', { runId: '../x' }],
      ['zoo', { zoo: '  ' }],
      ['zoo', { zoo: [1] }],
      ['concurency', { concurency: 2 }],
    ] as const) {
      const res = await call('/api/zoos', { method: 'POST', body: { zoo: tinyZooDocument('dash-x', trained), ...over } });
      expect(res.status, JSON.stringify(over)).toBe(400);
      expect(res.json.field).toBe(field);
    }
    expect((await call('/api/zoos', { method: 'POST', raw: '[1]' })).json.field).toBe('body');
    expect((await call('/api/zoos')).json.zoos.map((z: { id: string }) => z.id)).toEqual(before); // nothing was started
  });

  it('POST /api/zoos: starts the --zoo file (with overrides) or a posted document; 201, listed, live progress, 409 on a taken id', async () => {
    const fromFile = await call('/api/zoos', { method: 'POST', body: { runId: 'dash-zoo-file', epochs: 1, concurrency: 1 } });
    expect(fromFile.status, fromFile.text).toBe(201);
    expect(fromFile.json).toEqual({ id: 'dash-zoo-file', name: 'dash-models', runs: 1, concurrency: 1, source: 'file' });
    const fromDoc = await call('/api/zoos', { method: 'POST', body: { zoo: JSON.stringify(tinyZooDocument('dash-doc', trained), null, 2) } });
    expect(fromDoc.status, fromDoc.text).toBe(201);
    expect(fromDoc.json).toMatchObject({ name: 'dash-doc', runs: 2, concurrency: 2, source: 'document' });
    expect(fromDoc.json.id).toMatch(/^zoo-dash-doc-\d{4}-\d\d-\d\dT[\d-]+Z-[0-9a-f]{8}$/);
    const dup = await call('/api/zoos', { method: 'POST', body: { runId: fromDoc.json.id } }); // while it runs
    expect(dup.status).toBe(409);
    expect(dup.json.error).toBe(`a run with id "${fromDoc.json.id}" already exists`);

    const listed = (await call('/api/zoos')).json.zoos.map((z: { id: string }) => z.id);
    expect(listed).toEqual(expect.arrayContaining(['dash-zoo-file', fromDoc.json.id]));
    const ids = ['dash-zoo-file', fromDoc.json.id as string];
    const seen = new Set<string>();
    const final: Record<string, any> = {};
    for (const t0 = Date.now(); Date.now() - t0 < 120_000 && Object.keys(final).length < 2; ) {
      for (const id of ids) {
        if (final[id]) continue;
        const d = (await call(`/api/zoos/${id}`)).json;
        seen.add(`${d.status}:${d.progress?.status ?? '-'}`);
        if (d.closed && d.leaderboard) final[id] = d;
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(seen.has('running:running'), [...seen].join(' ')).toBe(true);
    expect(final['dash-zoo-file']).toMatchObject({ status: 'completed', name: 'dash-models', summary: { total: 1, completed: 1, failed: 0 } });
    expect(final[fromDoc.json.id]).toMatchObject({ status: 'completed', name: 'dash-doc', summary: { total: 2, completed: 2, failed: 0 } });
    // The overrides reached the child run: one epoch instead of the file's default.
    const child = await call('/api/runs/dash-zoo-file--tiny-zoo--two');
    expect(child.json.spec.settings.epochs).toBe(1);
    expect(child.json.spec.target).toEqual({ mode: 'binary', classes: [2] });
  });

  it('never puts a secret in a response or a log line', () => {
    const all = bodies.join('\n');
    expect(all.length).toBeGreaterThan(1000);
    expect(all).not.toContain(TOKEN);
    expect(all).not.toContain(S3_SECRET);
    expect(logged.join('')).not.toContain(TOKEN);
    expect(logged.join('')).not.toContain(S3_SECRET);
  });
});
