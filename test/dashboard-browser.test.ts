import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDashboard, type RunningDashboard } from '../dashboard/server.js';
import { loadZooFile } from '../dashboard/zoo-service.js';
import { FsArtifactStore } from '../infra/artifacts/index.js';
import { packageRoot } from '../infra/paths.js';
import { createSeamWorkers, type SeamWorkers } from '../workers/seam-worker.js';
import { useEngineBackend } from './fixtures/engine/backend.js';
import { trainTinyOnSynthetic, type Trained } from './fixtures/engine/trained.js';
import { tempDir } from './helpers/temp-dir.js';
import { startTestStack, type TestStack } from './helpers/test-stack.js';
import { tinyZooDocument } from './fixtures/tiny-zoo.js';

// The dashboard in a real headless Chromium (Debian's package, driven by playwright-core) against a real stack.
useEngineBackend();

const TOKEN = 'tok-browser-test-91c4e7';
const CHROMIUM = '/usr/bin/chromium';
const OUT = process.env.SEAMFLOW_TEST_OUTPUT ?? path.join(os.tmpdir(), 'seamflow-test-output');

let stack: TestStack;
let connection: Connection;
let native: NativeConnection;
let workers: SeamWorkers;
let running: Promise<void>;
let trained: Trained;
let dash: RunningDashboard;
let context: BrowserContext;
let page: Page;
let client: Client;
const storeDir = tempDir('seamflow-dash-browser-store-');
const profile = tempDir('seamflow-chromium-profile-');

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) execFileSync('bash', [path.join(packageRoot, 'scripts', 'install-browser.sh')], { stdio: 'inherit', timeout: 170_000 });
  mkdirSync(OUT, { recursive: true });
  Runtime.install({ logger: new DefaultLogger('WARN') });
  // With its Web UI: the run and zoo pages link to it, and a test follows those links.
  [stack, trained] = await Promise.all([startTestStack({ temporal: true, s3: false, temporalUi: true }), trainTinyOnSynthetic()]);
  connection = await Connection.connect({ address: stack.temporalAddress! });
  native = await NativeConnection.connect({ address: stack.temporalAddress! });
  client = new Client({ connection, namespace: stack.namespace });
  const zooFile = path.join(profile.path, 'zoo.json');
  writeFileSync(zooFile, JSON.stringify({ name: 'browser-models', datasets: { syn: trained.spec }, models: [{ name: 'tiny-zoo', path: trained.dir }], targets: [{ name: 'one', classes: [1] }] }));
  const store = new FsArtifactStore(storeDir.path);
  workers = await createSeamWorkers({ connection: native, namespace: stack.namespace, queues: ['cpu', 'gpu'], store, backend: 'test' });
  running = workers.run();
  dash = await startDashboard({ client, store, namespace: stack.namespace, token: TOKEN, temporalUiUrl: stack.temporalUiUrl, host: '127.0.0.1', port: 0, sseIntervalMs: 250, zoo: await loadZooFile(zooFile) });
  context = await chromium.launchPersistentContext(profile.path, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1360, height: 1700 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (err) => console.error(`page error: ${err.message}`));
});

afterAll(async () => {
  await context?.close();
  await dash?.close();
  workers?.shutdown();
  await running;
  await connection?.close();
  await native?.close();
  await stack?.cleanup();
  storeDir.remove();
  profile.remove();
});

/** Runs in the page (a string: this project's TypeScript has no DOM types): whether a canvas's chart has data and drew pixels. */
const CHART_STATE = `(canvasId) => {
  const canvas = document.getElementById(canvasId);
  if (!canvas) return { present: false, points: 0, inked: 0 };
  const chart = window.Chart.getChart(canvas);
  const points = chart ? chart.data.datasets.reduce((n, d) => n + d.data.filter((v) => v !== null && v !== undefined).length, 0) : 0;
  const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 3; i < px.length; i += 4) if (px[i] > 0) inked++;
  return { present: true, points, inked };
}`;

function chartState(p: Page, id: string): Promise<{ present: boolean; points: number; inked: number }> {
  return p.evaluate(`(${CHART_STATE})(${JSON.stringify(id)})`);
}

describe('dashboard in a browser', () => {
  it('asks for the token, starts a run from the form, shows live progress and the finished report as charts', async () => {
    await page.goto(dash.url);
    await page.waitForSelector('#token-form:not([hidden])');
    await page.fill('#token-input', TOKEN);
    await Promise.all([page.waitForNavigation(), page.click('#token-form button')]);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.isVisible('#runs-empty')).toBe(true);

    await page.goto(new URL('/new', dash.url).href);
    await page.waitForSelector('body[data-ready="true"]');
    // The model picker offers the --zoo file's models and fills the form from one.
    expect(await page.locator('#model-picker optgroup[label="zoo browser-models"] option').count()).toBe(1);
    await page.selectOption('#model-picker', { label: `tiny-zoo · ${(await loadZooFile(path.join(profile.path, 'zoo.json'))).models[0]!.data}` });
    expect(await page.inputValue('[name=model]')).toBe(trained.dir);
    expect(await page.inputValue('[name=data]')).toMatch(/^synthetic:/);
    expect(await page.inputValue('[name=classes]')).toBe('1');
    // A mistake first: the 400 names the field and the form marks it.
    await page.fill('[name=model]', trained.dir);
    await page.fill('[name=data]', trained.spec);
    await page.fill('[name=classes]', '99');
    await page.click('#start-run');
    await page.waitForSelector('[name=classes].invalid');
    expect(await page.textContent('#flash')).toMatch(/classes/);

    await page.fill('[name=classes]', '1');
    // The defect fields travel as the API's nested `defects` object; its 400 marks the nested field.
    await page.selectOption('[name="defects.attack"]', 'pgd');
    await page.fill('[name="defects.pruneThreshold"]', '2');
    await page.click('#start-run');
    await page.waitForSelector('[name="defects.pruneThreshold"].invalid');
    expect(await page.textContent('#flash')).toMatch(/defects\.pruneThreshold/);
    await page.selectOption('[name="defects.attack"]', '');
    await page.fill('[name="defects.pruneThreshold"]', '');
    await page.selectOption('[name=head]', 'sliced');
    await page.fill('[name=epochs]', '40');
    await page.fill('[name=batchSize]', '32');
    await page.fill('[name=seed]', '7');
    await page.fill('[name=runId]', 'browser-run-1');
    await Promise.all([page.waitForURL(/\/run\?id=browser-run-1$/), page.click('#start-run')]);

    // Live: the stage list and the timeline update while it runs.
    await page.waitForSelector('body[data-run-status]');
    const seen = new Set<string>();
    const t0 = Date.now();
    while (Date.now() - t0 < 180_000) {
      const status = await page.getAttribute('body', 'data-run-status');
      const done = await page.locator('#stages li .badge.done').count();
      const searchVisible = await page.isVisible('#live-section');
      seen.add(`${status}:${done}${searchVisible ? ':search' : ''}`);
      if (status !== 'running') break;
      await page.waitForTimeout(150);
    }
    expect(await page.getAttribute('body', 'data-run-status')).toBe('completed');
    // Progress moved on the page: at least one running state before the completed one
    // (how many in between depends on machine load against the ~1 s update interval).
    expect(seen.size, [...seen].join(' ')).toBeGreaterThan(1);
    await page.waitForSelector('body[data-report-shown="true"]', { timeout: 30_000 });
    expect(await page.locator('#stages li .badge.done').count()).toBe(7);
    expect(await page.getAttribute('#temporal-link', 'href')).toContain('/workflows/browser-run-1');

    for (const id of ['timeline-chart', 'loss-chart', 'accuracy-chart', 'wrr-chart', 'accuracy-bars', 'params-bars', 'flops-bars']) {
      const s = await chartState(page, id);
      expect(s.present, id).toBe(true);
      expect(s.points, id).toBeGreaterThan(0);
      expect(s.inked, id).toBeGreaterThan(500);
    }
    expect((await chartState(page, 'loss-chart')).points).toBe(40);
    expect(await page.locator('#artifacts li').count()).toBe(7);
    await page.screenshot({ path: path.join(OUT, 'dashboard-run.png'), fullPage: true });
    console.log(`live states seen: ${[...seen].join(' ')}`);
  });

  it('lists the run with its numbers and compares two runs side by side', async () => {
    // A second, short run to compare with.
    const started = await fetch(new URL('/api/runs', dash.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: trained.dir, data: trained.spec, classes: [2], head: 'sliced', epochs: 10, batchSize: 32, granularity: 'filter', runId: 'browser-run-2' }),
    });
    expect(started.status).toBe(201);
    // Workflow reports carry export sizes, no latency; a report with latency (reengineer --direct --latency) also draws latency bars.
    await page.route('**/api/runs/browser-run-2/report', async (route) => {
      const res = await route.fetch();
      const report = await res.json();
      const lat = (k: number) => [1, 16, 64].map((b) => ({ batchSize: b, medianMs: b * k, minMs: b * k * 0.9, runs: 10, perImageMs: k }));
      report.latency = { backend: 'test', original: lat(0.5), reengineered: lat(0.45) };
      report.export.compact.latency = lat(0.2);
      // And a defects section, as a run with defect evaluation writes it.
      report.defects = { attack: 'pgd', measure: 'DIR', unit: 'percent', standard: { accuracy: 0.9, value: 40 }, seam: { accuracy: 0.88, value: 15, wrr: 0.4 }, reduction: 62.5 };
      await route.fulfill({ response: res, json: report });
    });
    await page.goto(new URL('/run?id=browser-run-2', dash.url).href);
    await page.waitForSelector('body[data-report-shown="true"]', { timeout: 60_000 });
    expect(await page.getAttribute('body', 'data-latency-shown')).toBe('true');
    for (const id of ['size-bars', 'latency-bars']) {
      const s = await chartState(page, id);
      expect(s.points, id).toBeGreaterThan(0);
      expect(s.inked, id).toBeGreaterThan(500);
    }
    expect((await chartState(page, 'latency-bars')).points).toBe(9); // 3 batch sizes x original, re-engineered, compact
    expect(await page.textContent('#results-table')).toMatch(/latency, batch 16/);
    expect(await page.getAttribute('body', 'data-defects-shown')).toBe('true');
    expect((await chartState(page, 'defects-bars')).points).toBe(4); // accuracy and DIR x standard, seam
    expect(await page.textContent('#defects-section')).toMatch(/62\.5% fewer defects/);
    await page.screenshot({ path: path.join(OUT, 'dashboard-run-latency.png'), fullPage: true });
    await page.unroute('**/api/runs/browser-run-2/report');

    await page.goto(dash.url);
    await page.waitForSelector('tr[data-run="browser-run-1"]');
    const row = await page.textContent('tr[data-run="browser-run-1"]');
    expect(row).toMatch(/completed/);
    expect(row).toMatch(/\d+\.\d\d%/);
    await page.check('tr[data-run="browser-run-1"] input[type=checkbox]');
    await page.check('tr[data-run="browser-run-2"] input[type=checkbox]');
    await page.screenshot({ path: path.join(OUT, 'dashboard-runs.png'), fullPage: true });
    await Promise.all([page.waitForURL(/\/compare\?ids=/), page.click('#compare-selected')]);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.locator('#compare-table thead th').count()).toBe(3);
    for (const id of ['compare-accuracy', 'compare-size', 'compare-curves']) {
      const s = await chartState(page, id);
      expect(s.points, id).toBeGreaterThan(0);
      expect(s.inked, id).toBeGreaterThan(500);
    }
    await page.screenshot({ path: path.join(OUT, 'dashboard-compare.png'), fullPage: true });

    await page.goto(new URL('/schedules', dash.url).href);
    await page.waitForSelector('body[data-ready="true"]');
    expect(await page.isVisible('#schedules-empty')).toBe(true);
  });

  it('shows the defect stage live on the run page: student, phase, bar and ETA', async () => {
    const api = (p: string, body?: unknown) =>
      fetch(new URL(p, dash.url), { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
    // A one-epoch search, then a standard fine-tune long enough to watch (cancelled below).
    const started = await api('/api/runs', { model: trained.dir, data: trained.spec, classes: [1], head: 'sliced', epochs: 1, batchSize: 32, runId: 'browser-run-defects', defects: { attack: 'pgd', epochs: 500 } });
    expect(started.status).toBe(201);
    await page.goto(dash.url);
    await page.evaluate(`sessionStorage.setItem('seamflow-api-token', ${JSON.stringify(TOKEN)})`);
    await page.goto(new URL('/run?id=browser-run-defects', dash.url).href);
    await page.waitForSelector('body[data-defects-phase="standard/finetune"]', { timeout: 120_000 });
    await page.waitForFunction(`/left in this phase/.test(document.getElementById('defects-live-text').textContent)`, undefined, { timeout: 30_000 });
    expect(await page.isVisible('#defects-live-section')).toBe(true);
    expect(await page.textContent('#defects-live-text')).toMatch(/^standard reuse \(student 1 of 2\) · fine-tuning \d+\/\d+ · loss \S+ acc \S+ · about .+ left in this phase$/);
    expect(Number.parseFloat((await page.getAttribute('#defects-bar', 'style'))!.replace(/^.*width:\s*/, ''))).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(OUT, 'dashboard-run-defects-live.png'), fullPage: true });
    expect((await api('/api/runs/browser-run-defects/cancel')).status).toBe(202);
    await page.waitForSelector('body[data-run-status="cancelled"]', { timeout: 60_000 });
    expect(await page.isVisible('#defects-live-section')).toBe(false);
  });

  it('starts a zoo run from the form, follows it live and shows per-target results as a table and grouped bars', async () => {
    await page.goto(new URL('/zoos', dash.url).href);
    await page.waitForSelector('body[data-ready="true"]');
    // The --zoo file is offered first; a pasted document replaces it.
    expect(await page.textContent('#zoo-source-file')).toContain('browser-models');
    expect(await page.isVisible('#zoo-document')).toBe(false);
    await page.selectOption('#zoo-form [name=source]', 'document');
    const text = JSON.stringify(tinyZooDocument('browser-zoo', trained), null, 2);
    await page.fill('#zoo-form [name=zoo]', text.replace('"classes": [\n        1\n      ]', '"classes": [\n        "one"\n      ]'));
    await page.click('#start-zoo');
    await page.waitForSelector('#zoo-form [name=zoo].invalid');
    expect(await page.textContent('#flash')).toMatch(/zoo: line \d+: targets\[1\]\.classes\[0\]: expected a class id/);
    await page.screenshot({ path: path.join(OUT, 'dashboard-zoos-start.png'), fullPage: true });
    await page.fill('#zoo-form [name=zoo]', text);
    await page.fill('#zoo-form [name=runId]', 'browser-zoo-1');
    await Promise.all([page.waitForURL(/\/zoo\?id=browser-zoo-1$/), page.click('#start-zoo')]);
    await page.waitForSelector('body[data-zoo-status]');
    const states = new Set<string>();
    for (const t0 = Date.now(); Date.now() - t0 < 120_000; await page.waitForTimeout(200)) {
      states.add(`${await page.getAttribute('body', 'data-zoo-status')}:${await page.textContent('#zoo-progress-text')}`);
      if (await page.getAttribute('body', 'data-leaderboard-shown')) break;
    }
    expect([...states][0], [...states].join(' | ')).toMatch(/^running:/);
    expect(await page.getAttribute('body', 'data-zoo-status')).toBe('completed');
    expect(await page.textContent('#zoo-name')).toBe('browser-zoo');
    expect(await page.textContent('#zoo-progress-text')).toMatch(/2 of 2 completed, 0 failed/);
    expect(await page.locator('#zoo-table tbody tr').count()).toBe(2);
    const row = await page.textContent('tr[data-row="tiny/t1"]');
    expect(row).toMatch(/completed/);
    expect(row).toMatch(/\d+\.\d\d%/);
    expect(await page.getAttribute('tr[data-row="tiny/t1"] a', 'href')).toBe('/run?id=browser-zoo-1--tiny--t1');
    for (const id of ['zoo-accuracy-bars', 'zoo-size-bars']) {
      const s = await chartState(page, id);
      expect(s.present, id).toBe(true);
      expect(s.inked, id).toBeGreaterThan(500);
    }
    expect((await chartState(page, 'zoo-accuracy-bars')).points).toBe(6); // 2 targets x original, re-engineered, WRR
    await page.screenshot({ path: path.join(OUT, 'dashboard-zoo.png'), fullPage: true });

    await page.goto(new URL('/zoos', dash.url).href);
    await page.waitForSelector('tr[data-zoo="browser-zoo-1"]');
    expect(await page.textContent('tr[data-zoo="browser-zoo-1"]')).toMatch(/browser-zoo.*completed.*2 of 2 completed, 0 failed/);
  });

  it('links the zoo and run pages to their workflows in the embedded dev server\'s Web UI, which opens them', async () => {
    const ui = stack.temporalUiUrl!;
    expect(ui).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/); // loopback only, a port of its own
    expect((await fetch(`${ui}/`)).status).toBe(200);
    for (const [pageUrl, id] of [
      ['/zoo?id=browser-zoo-1', 'browser-zoo-1'],
      ['/run?id=browser-zoo-1--tiny--t1', 'browser-zoo-1--tiny--t1'],
    ] as const) {
      await page.goto(new URL(pageUrl, dash.url).href);
      await page.waitForSelector('#temporal-link:not([hidden])');
      const href = await page.getAttribute('#temporal-link', 'href');
      expect(href).toBe(`${ui}/namespaces/${stack.namespace}/workflows/${id}`);
      expect((await fetch(href!)).status, href!).toBe(200);
      // The UI's own API (what its page calls) finds the workflow: the link opens this run, not an empty page.
      const api = await fetch(`${ui}/api/v1/namespaces/${stack.namespace}/workflows/${id}`);
      expect(api.status).toBe(200);
      expect(((await api.json()) as { workflowExecutionInfo: { execution: { workflowId: string } } }).workflowExecutionInfo.execution.workflowId).toBe(id);
    }
  });
});
