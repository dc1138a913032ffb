import net from 'node:net';

/** Every server of the local stack listens on loopback only. */
export const LOOPBACK = '127.0.0.1';

/** Asks the kernel for a free port by binding port 0, then releases it for the server to take. */
export function freePort(host = LOOPBACK): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host, port: 0, exclusive: true }, () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** True when nothing is listening on `port` (binding it succeeds). */
export function portIsFree(port: number, host = LOOPBACK): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/**
 * `count` distinct free ports, trying the `preferred` ones first (when given and free).
 * A port picked here can still be taken by someone else before the server binds it;
 * the server start-up retries with fresh ports when that happens.
 */
export async function freePorts(count: number, preferred: (number | undefined)[] = []): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const want = preferred[i];
    if (want && !out.includes(want) && (await portIsFree(want))) {
      out.push(want);
      continue;
    }
    let p = await freePort();
    while (out.includes(p)) p = await freePort();
    out.push(p);
  }
  return out;
}

/** A free port `p` such that `p + offset` is free too (for servers that derive one port from another). */
export async function freePortWithPartner(offset: number, avoid: number[] = []): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    // Stay below 65535 - offset and above the privileged range.
    const p = 20000 + Math.floor(Math.random() * (65535 - offset - 20000));
    if (avoid.includes(p) || avoid.includes(p + offset)) continue;
    if ((await portIsFree(p)) && (await portIsFree(p + offset))) return p;
  }
  throw new Error(`no free port pair (p, p+${offset}) found on ${LOOPBACK}`);
}

/** True when a TCP connection to host:port is accepted. */
export function portIsOpen(port: number, host = LOOPBACK, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (open: boolean) => {
      sock.destroy();
      resolve(open);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** Waits until every port refuses connections; returns the ones still open at the deadline. */
export async function waitPortsClosed(ports: number[], timeoutMs: number, host = LOOPBACK): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open: number[] = [];
    for (const p of ports) if (await portIsOpen(p, host, 500)) open.push(p);
    if (open.length === 0 || Date.now() >= deadline) return open;
    await new Promise((r) => setTimeout(r, 100));
  }
}
