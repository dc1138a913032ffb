import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from 'minio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MissingBinaryError, stackBinary } from '../infra/stack/binaries.js';
import { readCredentials } from '../infra/stack/credentials.js';
import { startLocalStack } from '../infra/stack/local-stack.js';
import { packageRoot } from '../infra/paths.js';
import { isAlive } from '../infra/stack/processes.js';
import { runCli } from './helpers/cli.js';
import { tempDir } from './helpers/temp-dir.js';

// `seamflow stack up|status|down` through the real CLI, in a throw-away data folder.
const data = tempDir('seamflow-cli-stack-');
const env: NodeJS.ProcessEnv = { ...process.env, SEAMFLOW_DATA_DIR: data.path, SEAMFLOW_LOG_LEVEL: 'warn' };

interface UpJson {
  outcome: 'started' | 'already-running';
  temporal: { pid: number; address: string; ports: Record<string, number>; uiUrl?: string };
  s3: { pid: number; endpoint: string; accessKey: string; identityFile: string; bucket: string; ports: Record<string, number> };
}

async function up(): Promise<UpJson> {
  const r = await runCli(['stack', 'up', '--json'], env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as UpJson;
}

/** A refused TCP connection, not merely a timeout: the port is really closed. */
function connectRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.setTimeout(2000, () => (sock.destroy(), resolve(false)));
    sock.once('connect', () => (sock.destroy(), resolve(false)));
    sock.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

function s3Client(state: UpJson): Client {
  const url = new URL(state.s3.endpoint);
  const { accessKey, secretKey } = readCredentials(state.s3.identityFile);
  return new Client({ endPoint: url.hostname, port: Number(url.port), useSSL: false, accessKey, secretKey, region: 'us-east-1', pathStyle: true });
}

async function expectGone(state: UpJson): Promise<void> {
  expect(isAlive(state.temporal.pid)).toBe(false);
  expect(isAlive(state.s3.pid)).toBe(false);
  const ports = [...Object.values(state.temporal.ports), ...Object.values(state.s3.ports)];
  const refused = await Promise.all(ports.map(connectRefused));
  expect(Object.fromEntries(ports.map((p, i) => [p, refused[i]]))).toEqual(Object.fromEntries(ports.map((p) => [p, true])));
}

/** `seamflow dashboard` on this data folder (it reuses the detached stack): its /api/config, then SIGINT. */
async function dashboardConfig(): Promise<{ temporalUiUrl: string | null; namespace: string }> {
  const child = spawn(process.execPath, [path.join(packageRoot, 'bin', 'seamflow.mjs'), 'dashboard', '--port', '0'], {
    cwd: packageRoot,
    env: { ...env, SEAMFLOW_API_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const lines = createInterface({ input: child.stdout! });
    let url: string | undefined;
    for await (const line of lines) if ((url = /dashboard at (http\S+)/.exec(line)?.[1])) break;
    expect(url).toBeDefined();
    return (await (await fetch(new URL('/api/config', url))).json()) as { temporalUiUrl: string | null; namespace: string };
  } finally {
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    await exited;
  }
}

beforeAll(() => {
  stackBinary('temporal');
  stackBinary('weed');
});

afterAll(async () => {
  // Whatever happened above, leave nothing running.
  await runCli(['stack', 'down', '--grace', '3'], env).catch(() => undefined);
  data.remove();
});

describe('seamflow stack (detached servers through the CLI)', () => {
  it('names the binary and the fix when a tool is missing', () => {
    expect(() => stackBinary('weed', '/nonexistent/bin')).toThrow(MissingBinaryError);
    expect(() => stackBinary('weed', '/nonexistent/bin')).toThrow(/weed not found .*run `npm run setup:tools`/);
  });

  it('up, status, up again, down: idempotent, data kept, nothing left running', async () => {
    const first = await up();
    expect(first.outcome).toBe('started');
    expect(isAlive(first.temporal.pid) && isAlive(first.s3.pid)).toBe(true);

    // The dev server serves its Web UI on a loopback port of its own, shown by up, status and env.
    const ui = first.temporal.uiUrl!;
    expect(ui).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(first.temporal.ports.ui).toBe(Number(new URL(ui).port));
    expect((await fetch(`${ui}/`)).status).toBe(200);

    const status = await runCli(['stack', 'status'], env);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect(status.stdout).toContain(`web UI ${ui}`);
    expect((await runCli(['stack', 'env'], env)).stdout).toContain(`export SEAMFLOW_TEMPORAL_UI_URL='${ui}'`);
    expect(status.stdout).toContain(first.temporal.address);
    expect(status.stdout).toContain(first.s3.endpoint);
    expect(status.stdout.match(/healthy/g)?.length).toBe(2);
    expect(status.stdout).not.toContain(readCredentials(first.s3.identityFile).secretKey);

    const again = await up();
    expect(again.outcome).toBe('already-running');
    expect([again.temporal.pid, again.s3.pid]).toEqual([first.temporal.pid, first.s3.pid]);

    // The detached servers outlive the CLI: use them from here, and let the embedded default share them.
    await s3Client(first).putObject(first.s3.bucket, 'kept.txt', 'still here');
    const shared = await startLocalStack({ dataDir: data.path, reuseRunning: true });
    expect(shared.owned).toBe(false);
    expect([shared.temporalAddress, shared.s3?.endpoint]).toEqual([first.temporal.address, first.s3.endpoint]);
    expect(shared.temporalUiUrl).toBe(ui);
    await shared.stop(); // borrowed: leaves the servers running
    expect(isAlive(first.temporal.pid) && isAlive(first.s3.pid)).toBe(true);
    // `seamflow dashboard` on the embedded default links runs to that UI without --temporal-ui.
    expect(await dashboardConfig()).toMatchObject({ temporalUiUrl: ui, namespace: 'default' });
    expect(isAlive(first.temporal.pid)).toBe(true);

    const down = await runCli(['stack', 'down'], env);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toMatch(/temporal terminated/);
    expect(down.stdout).toMatch(/s3 terminated/);
    await expectGone(first);
    const after = await runCli(['stack', 'status'], env);
    expect(after.code).toBe(3);
    expect(after.stdout).toContain('no stack running');

    // Restart on the same data: the object survives, the endpoints stay the same when free.
    const second = await up();
    expect(second.outcome).toBe('started');
    expect(second.s3.endpoint).toBe(first.s3.endpoint);
    const body = await s3Client(second).getObject(second.s3.bucket, 'kept.txt');
    let text = '';
    for await (const c of body) text += String(c);
    expect(text).toBe('still here');

    // A server that died behind our back: status says so, down still cleans up.
    process.kill(second.s3.pid, 'SIGKILL');
    for (let i = 0; i < 50 && isAlive(second.s3.pid); i++) await new Promise((r) => setTimeout(r, 100));
    const stale = await runCli(['stack', 'status'], env);
    expect(stale.code).toBe(1);
    expect(stale.stdout).toMatch(/s3 .*UNHEALTHY: process not running/);
    const down2 = await runCli(['stack', 'down', '--json'], env);
    expect(down2.code, down2.stderr).toBe(0);
    expect(JSON.parse(down2.stdout)).toMatchObject({ outcome: 'stopped', stopped: { temporal: 'terminated', s3: 'not-running' }, openPorts: [] });
    await expectGone(second);
  });
});
