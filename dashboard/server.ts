/**
 * The dashboard: a JSON API under /api/ and a few static pages, one process.
 * It talks to Temporal through the client and reads the artifact store; it
 * never runs compute. Auth: `Authorization: Bearer <SEAMFLOW_API_TOKEN>` on
 * every /api/ route but /api/health; without a configured token it listens
 * on loopback only (checkListenPolicy) and the API is open to local users.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ArtifactStore } from '../infra/artifacts/index.js';
import { logger } from '../infra/log.js';
import type { ZooSpec } from '../infra/zoo/index.js';
import { bearerMatches, checkListenPolicy, redactor } from './auth.js';
import { ConflictError, NotFoundError, ValidationError } from './errors.js';
import { RunsService } from './runs-service.js';
import { SchedulesService } from './schedules-service.js';
import { ZooService } from './zoo-service.js';
import { parseStartZoo, ZooDocumentError } from './zoo-start.js';
import { parseCreateSchedule, parseStartRun, queryInt, validateRunId } from './validation.js';

const log = logger('dashboard');

export interface DashboardOptions {
  client: Client;
  store: ArtifactStore;
  namespace: string;
  /** The bearer token; undefined = open API (loopback only). */
  token?: string;
  /** Other secrets that must never leave the process (S3 keys). */
  secrets?: (string | undefined)[];
  /** Temporal Web UI base URL, for links to a run's workflow page. */
  temporalUiUrl?: string;
  /** Where relative model paths in posted zoo specs resolve. */
  baseDir?: string;
  /** The deployment's zoo (`seamflow dashboard --zoo FILE`, parsed): its models are offered by GET /api/models, POST /api/zoos runs it. */
  zoo?: ZooSpec;
  /** How often the SSE stream sends progress (ms). */
  sseIntervalMs?: number;
}

const publicDir = fileURLToPath(new URL('./public/', import.meta.url));
const chartJsFile = path.join(path.dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');

/** Every file the server serves, by URL: nothing is looked up from a client's path. */
const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: path.join(publicDir, 'index.html'), type: 'text/html; charset=utf-8' },
  '/new': { file: path.join(publicDir, 'new.html'), type: 'text/html; charset=utf-8' },
  '/run': { file: path.join(publicDir, 'run.html'), type: 'text/html; charset=utf-8' },
  '/compare': { file: path.join(publicDir, 'compare.html'), type: 'text/html; charset=utf-8' },
  '/schedules': { file: path.join(publicDir, 'schedules.html'), type: 'text/html; charset=utf-8' },
  '/zoos': { file: path.join(publicDir, 'zoos.html'), type: 'text/html; charset=utf-8' },
  '/zoo': { file: path.join(publicDir, 'zoo.html'), type: 'text/html; charset=utf-8' },
  '/static/app.js': { file: path.join(publicDir, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/static/style.css': { file: path.join(publicDir, 'style.css'), type: 'text/css; charset=utf-8' },
  '/static/chart.umd.min.js': { file: chartJsFile, type: 'text/javascript; charset=utf-8' },
};

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

export function buildDashboard(opts: DashboardOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  const runs = new RunsService(opts.client, opts.store);
  const schedules = new SchedulesService(opts.client, opts.baseDir);
  const zoos = new ZooService(opts.client, opts.store, opts.zoo);
  const redact = redactor([opts.token, ...(opts.secrets ?? [])]);
  const interval = opts.sseIntervalMs ?? 1000;

  app.addHook('onRequest', async (req, reply) => {
    void reply.headers(SECURITY_HEADERS);
    const url = req.url.split('?')[0]!;
    if (!url.startsWith('/api/') || url === '/api/health') return;
    if (opts.token && !bearerMatches(req.headers.authorization, opts.token)) {
      reply.header('www-authenticate', 'Bearer realm="seamflow"');
      return reply.code(401).send({ error: 'missing or wrong bearer token (Authorization: Bearer <SEAMFLOW_API_TOKEN>)' });
    }
  });

  app.addHook('onResponse', async (req, reply) => {
    // Method, path without the query, status: never headers (the token) or bodies.
    if (req.url.startsWith('/api/')) log.debug(`${req.method} ${req.url.split('?')[0]} ${reply.statusCode} ${reply.elapsedTime.toFixed(0)} ms`);
  });

  app.setErrorHandler((err: FastifyError | Error, _req, reply) => {
    if (err instanceof ZooDocumentError) {
      return reply.code(400).send({ error: redact(err.message), field: err.field, issues: err.issues.map((i) => ({ ...i, message: redact(i.message) })) });
    }
    if (err instanceof ValidationError) return reply.code(400).send({ error: redact(err.message), field: err.field });
    if (err instanceof NotFoundError) return reply.code(404).send({ error: redact(err.message) });
    if (err instanceof ConflictError) return reply.code(409).send({ error: redact(err.message) });
    const fe = err as FastifyError;
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.code(fe.statusCode).send({ error: redact(fe.message), field: 'body' });
    }
    log.error(`internal error: ${redact(err.message)}`);
    return reply.code(500).send({ error: `internal error: ${redact(err.message)}` });
  });

  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: `no route ${req.method} ${req.url.split('?')[0]}` }));

  // Pages and their scripts.
  for (const [url, { file, type }] of Object.entries(STATIC)) {
    app.get(url, async (_req, reply) => reply.type(type).header('cache-control', 'no-cache').send(await readFile(file)));
  }

  // --- API ---
  app.get('/api/health', async () => ({ ok: true, auth: Boolean(opts.token) }));

  app.get('/api/config', async () => ({ namespace: opts.namespace, temporalUiUrl: opts.temporalUiUrl ?? null, store: opts.store.kind }));

  app.get('/api/runs', async (req) => ({ runs: await runs.list(queryInt(req.query, 'limit', 1, 500, 50)) }));

  app.post('/api/runs', async (req, reply) => {
    const { spec, runId } = parseStartRun(req.body);
    const id = await runs.start(spec, runId);
    log.info(`started run ${id} (${spec.data}, classes ${spec.target.classes.join(',')})`);
    return reply.code(201).send({ id, spec });
  });

  const idOf = (req: FastifyRequest) => validateRunId((req.params as { id: string }).id);

  app.get('/api/runs/:id', async (req) => runs.detail(idOf(req)));

  app.get('/api/runs/:id/report', async (req) => runs.report(idOf(req)));

  app.get('/api/runs/:id/artifacts', async (req) => ({ artifacts: await runs.artifactList(idOf(req)) }));

  app.get('/api/runs/:id/artifacts/:name', async (req, reply) => {
    const id = idOf(req);
    const name = (req.params as { name: string }).name;
    const { key, fileName, contentType } = await runs.artifact(id, name);
    const data = await opts.store.get(key);
    return reply.type(contentType).header('content-disposition', `attachment; filename="${id}-${fileName}"`).send(data);
  });

  app.post('/api/runs/:id/cancel', async (req, reply) => {
    const id = idOf(req);
    await runs.cancel(id);
    return reply.code(202).send({ id, cancelRequested: true });
  });

  app.post('/api/runs/:id/resume', async (req, reply) => {
    const id = idOf(req);
    const newId = await runs.resume(id);
    return reply.code(201).send({ id: newId, resumedFrom: id });
  });

  app.get('/api/runs/:id/events', async (req, reply) => {
    const id = idOf(req);
    await runs.describe(id); // 404 before the stream starts
    streamProgress(req, reply, id, runs, interval, redact);
    return reply;
  });

  app.get('/api/models', async () => zoos.models());

  app.get('/api/zoos', async (req) => ({ zoos: await zoos.list(queryInt(req.query, 'limit', 1, 500, 50)) }));

  app.get('/api/zoos/:id', async (req) => zoos.detail(idOf(req)));

  app.post('/api/zoos', async (req, reply) => {
    const { zoo, source, runId } = parseStartZoo(req.body, { deploymentZoo: opts.zoo, baseDir: opts.baseDir ?? process.cwd() });
    const started = await zoos.start(zoo, runId);
    log.info(`started zoo run ${started.id} (${zoo.name}: ${started.runs} run(s), from the ${source === 'file' ? '--zoo file' : 'posted document'})`);
    return reply.code(201).send({ ...started, source });
  });

  app.get('/api/schedules', async () => ({ schedules: await schedules.list() }));

  app.post('/api/schedules', async (req, reply) => reply.code(201).send(await schedules.create(parseCreateSchedule(req.body))));

  const nameOf = (req: FastifyRequest) => (req.params as { id: string }).id;
  for (const action of ['pause', 'unpause', 'trigger'] as const) {
    app.post(`/api/schedules/:id/${action}`, async (req) => {
      await schedules[action](nameOf(req));
      return { id: nameOf(req), [action === 'trigger' ? 'triggered' : 'paused']: action === 'trigger' ? true : action === 'pause' };
    });
  }

  app.delete('/api/schedules/:id', async (req) => {
    await schedules.delete(nameOf(req));
    return { id: nameOf(req), deleted: true };
  });

  return app;
}

/** Server-sent events: `progress` every interval until the run closes, then `end`. */
function streamProgress(req: FastifyRequest, reply: FastifyReply, id: string, runs: RunsService, intervalMs: number, redact: (s: string) => string): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  let open = true;
  req.raw.on('close', () => (open = false));
  const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  void (async () => {
    let last = '';
    try {
      while (open) {
        const detail = await runs.detail(id);
        const text = JSON.stringify(detail);
        if (text !== last) send('progress', detail);
        else res.write(': keep-alive\n\n');
        last = text;
        if (detail.closed) {
          send('end', { id, status: detail.status });
          break;
        }
        await new Promise((r) => setTimeout(r, intervalMs));
      }
    } catch (err) {
      if (open) send('error', { error: redact((err as Error).message) });
    } finally {
      res.end();
    }
  })();
}

export interface RunningDashboard {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listens on host:port, refusing a non-loopback host without a token. */
export async function startDashboard(opts: DashboardOptions & { host: string; port: number }): Promise<RunningDashboard> {
  checkListenPolicy(opts.host, opts.token);
  const app = buildDashboard(opts);
  await app.listen({ host: opts.host, port: opts.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return { url: `http://${host}:${port}/`, port, close: () => app.close() };
}
