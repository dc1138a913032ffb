import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { portIsOpen } from '../infra/stack/ports.js';
import { isAlive } from '../infra/stack/processes.js';
import { removeSeaweedSockets } from '../infra/stack/seaweed-server.js';
import { startLocalStack, StackBusyError } from '../infra/stack/local-stack.js';
import { readState } from '../infra/stack/state-file.js';
import { stackDir } from '../infra/stack/stack-layout.js';
import { tempDir } from './helpers/temp-dir.js';

// The embedded mode's promise: servers owned by a process do not outlive it, even when it is SIGKILLed.
const childScript = fileURLToPath(new URL('./fixtures/embedded-stack-child.ts', import.meta.url));
const data = tempDir('seamflow-embedded-');

afterAll(() => data.remove());

type Svc = { pid: number; ports: Record<string, number> };

async function waitUntil(cond: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

describe('embedded local stack', () => {
  it('dies with its owner process, and a second owner is refused while it runs', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', childScript, data.path], { stdio: ['ignore', 'pipe', 'inherit'] });
    let services: { temporal: Svc; s3: Svc } | undefined;
    try {
      const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
      services = JSON.parse(line) as { temporal: Svc; s3: Svc };
      expect(isAlive(services.temporal.pid) && isAlive(services.s3.pid)).toBe(true);

      // The same data folder cannot be started twice (the servers would share a database)...
      await expect(startLocalStack({ dataDir: data.path })).rejects.toBeInstanceOf(StackBusyError);
      // ...nor borrowed from another process, which would take the servers with it when it ends.
      await expect(startLocalStack({ dataDir: data.path, reuseRunning: true })).rejects.toThrow(/owned by that process.*seamflow stack up/);
      expect(readState(stackDir(data.path))?.mode).toBe('embedded');
    } finally {
      child.kill('SIGKILL'); // no exit handlers run: only the kernel's parent-death signal is left
    }
    const s = services!;
    expect(await waitUntil(() => !isAlive(s.temporal.pid) && !isAlive(s.s3.pid), 15_000)).toBe(true);
    const ports = [s.temporal.ports.grpc!, s.s3.ports.s3!];
    expect(await waitUntil(async () => !(await Promise.all(ports.map((p) => portIsOpen(p)))).some(Boolean), 5000)).toBe(true);
    removeSeaweedSockets(s.s3.ports); // a killed weed leaves its /tmp sockets; the next start in this folder would tidy them
  });
});
