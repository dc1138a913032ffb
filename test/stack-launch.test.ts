import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stackBinary } from '../infra/stack/binaries.js';
import { freePort, LOOPBACK } from '../infra/stack/ports.js';
import { stopProcessGroup } from '../infra/stack/processes.js';
import { temporalServerSpec } from '../infra/stack/temporal-server.js';
import net from 'node:net';
import { launchServer, ServerStartError, type ServerSpec } from '../infra/stack/server-launch.js';
import { tempDir } from './helpers/temp-dir.js';

// Start-up failures must explain themselves (log tail) and leave no process behind.
const dir = tempDir('seamflow-launch-');
afterAll(() => dir.remove());

function spec(exe: string, args: string[], logName: string): ServerSpec<{ port: number }> {
  return {
    name: 'test server',
    exe,
    logFile: path.join(dir.path, logName),
    env: process.env,
    allocatePorts: async () => ({ port: 1 }),
    args: () => args,
    probe: () => Promise.reject(new Error('not ready')),
  };
}

async function failure(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ServerStartError);
  return err as Error;
}

/** Live (non-zombie) processes whose command line contains `marker`. */
function processesWith(marker: string): string[] {
  return execFileSync('ps', ['-eo', 'stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(marker) && !l.trimStart().startsWith('Z'));
}

describe('launchServer failures', () => {
  it('reports an early exit with the tail of the server log', async () => {
    const port = String(await freePort());
    const args = ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', port, '--db-filename', '/nonexistent/dir/t.db'];
    const err = await failure(launchServer(spec(stackBinary('temporal'), args, 'temporal.log'), { leash: true, timeoutMs: 20_000 }));
    expect(err.message).toMatch(/exited during start-up \(code 1\)/);
    expect(err.message).toMatch(/last lines of .*temporal\.log[\s\S]*stat \/nonexistent\/dir: no such file/);
  });

  it('gives up at the deadline and kills the server that never became healthy', async () => {
    const marker = `${Math.floor(50 + Math.random() * 9)}.${Date.now() % 1_000_000}`; // a unique `sleep` argument
    const started = Date.now();
    const err = await failure(
      launchServer(spec('/bin/sh', ['-c', `echo "starting, never ready"; exec sleep ${marker}`], 'sleep.log'), { leash: true, timeoutMs: 800 }),
    );
    expect(Date.now() - started).toBeLessThan(6000);
    expect(err.message).toMatch(/not healthy in time; last probe: not ready[\s\S]*starting, never ready/);
    expect(processesWith(`sleep ${marker}`)).toEqual([]);
  });
});

describe('launchServer port collisions', () => {
  // The Web UI's port too: the server exits on it ("can't set UI port ...: address already in use").
  it.each(['grpc', 'ui'] as const)('retries with fresh ports when one (%s) is taken between the pick and the bind', async (which) => {
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(0, LOOPBACK, r));
    const taken = (squatter.address() as net.AddressInfo).port;
    const base = temporalServerSpec({ exe: stackBinary('temporal'), logFile: path.join(dir.path, `collide-${which}.log`), ui: which === 'ui' });
    const picks: number[] = [];
    try {
      const launched = await launchServer(
        {
          ...base,
          // First attempt gets the squatted port, as if someone grabbed it after we picked it.
          allocatePorts: async (first) => {
            const p = await base.allocatePorts(first);
            if (first) p[which] = taken;
            picks.push(p[which]!);
            return p;
          },
        },
        { leash: true, timeoutMs: 60_000 },
      );
      expect(picks[0]).toBe(taken);
      expect(launched.ports[which]).not.toBe(taken);
      if (which === 'ui') {
        expect(base.args(launched.ports)).toEqual(expect.arrayContaining(['--ui-port', String(launched.ports.ui), '--ui-ip', LOOPBACK]));
        expect(base.args(launched.ports)).not.toContain('--headless');
        expect((await fetch(`http://${LOOPBACK}:${launched.ports.ui}/`)).status).toBe(200); // healthy includes the UI
      }
      await stopProcessGroup(launched.process.pid);
    } finally {
      squatter.close();
    }
  });
});
