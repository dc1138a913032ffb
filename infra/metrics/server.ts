import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { registry as defaultRegistry } from './registry.js';

/** Serves GET /metrics in the Prometheus text format on loopback by default. */
export async function startMetricsServer(
  opts: { port?: number; host?: string; registry?: Registry } = {},
): Promise<{ url: string; close(): Promise<void> }> {
  const reg = opts.registry ?? defaultRegistry;
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
      reg
        .metrics()
        .then((body) => {
          res.writeHead(200, { 'content-type': reg.contentType });
          res.end(body);
        })
        .catch((err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(err));
        });
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: try /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', resolve);
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
