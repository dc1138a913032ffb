import { intInRange, parseCommandLine } from '../flags.js';
import { UsageError } from '../usage-error.js';

export const summary = 'Web dashboard and HTTP API: start runs, watch them live, compare results, manage zoo schedules';

const HELP = `Usage: seamflow dashboard [--port P] [--host H] [--temporal-ui URL] [--zoo FILE]

  --port P            port to listen on                        [8787]
  --host H            address to listen on                     [127.0.0.1]
  --temporal-ui URL   Temporal Web UI base URL, for links to a run's workflow page
                      (e.g. http://127.0.0.1:8233); default: the embedded dev server's
                      own UI, or SEAMFLOW_TEMPORAL_UI_URL with TEMPORAL_ADDRESS set
  --zoo FILE          a zoo file (see examples/zoo.json) whose models the "new run"
                      form offers, next to the models registered in the artifact store

Serves the pages at / and the JSON API under /api/ (see README). Every /api/
route but /api/health needs "Authorization: Bearer $SEAMFLOW_API_TOKEN"; without
a token configured the server listens on loopback only. With no TEMPORAL_ADDRESS
it runs on the embedded stack (local dev server and in-process workers), so runs
started from the dashboard execute in this process.`;

export async function run(argv: string[]): Promise<number> {
  const values = parseCommandLine(argv, { port: { type: 'string' }, host: { type: 'string' }, 'temporal-ui': { type: 'string' }, zoo: { type: 'string' } }, HELP);
  if (!values) return 0;
  const port = intInRange('port', values.port, 0, 65535) ?? 8787;
  const host = values.host ?? '127.0.0.1';
  const ui = values['temporal-ui'];
  if (ui !== undefined && !/^https?:\/\/[^\s]+$/.test(ui)) throw new UsageError(`--temporal-ui must be an http(s) URL, got "${ui}"`);
  const zoo = values.zoo === undefined ? undefined : await readZooFile(values.zoo);
  const { checkListenPolicy, InsecureListenError } = await import('../../dashboard/auth.js');
  const { loadConfig } = await import('../../infra/config.js');
  try {
    checkListenPolicy(host, loadConfig().apiToken); // before starting anything
  } catch (err) {
    if (err instanceof InsecureListenError) throw new UsageError(err.message);
    throw err;
  }
  const { openRunSession } = await import('../run-session.js');
  const { startDashboard } = await import('../../dashboard/server.js');
  const { logger } = await import('../../infra/log.js');
  const session = await openRunSession({ withWorkers: true });
  try {
    const { config, store, temporal } = session;
    const dash = await startDashboard({
      client: temporal.client,
      store,
      namespace: temporal.namespace,
      token: config.apiToken,
      secrets: [config.s3?.accessKey, config.s3?.secretKey],
      // The flag wins; else the session's UI (the embedded dev server's, or the configured cluster's).
      temporalUiUrl: ui?.replace(/\/+$/, '') ?? temporal.uiUrl,
      zoo,
      host,
      port,
    });
    const log = logger('dashboard');
    log.info(`Temporal ${temporal.address}${temporal.embedded ? ' (embedded, with in-process workers)' : ''}, ${store.kind} artifact store`);
    if (temporal.uiUrl && !ui) log.info(`Temporal Web UI at ${temporal.uiUrl}`);
    log.info(config.apiToken ? 'API needs the bearer token from SEAMFLOW_API_TOKEN' : 'no SEAMFLOW_API_TOKEN: the API is open to local users (loopback only)');
    console.log(`dashboard at ${dash.url}`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    log.info('shutting down');
    await dash.close();
    return 0;
  } finally {
    // Whatever still holds the event loop must not keep a stopped server alive.
    setTimeout(() => process.exit(process.exitCode ?? 0), 15_000).unref();
    // On SIGINT the Temporal runtime has already begun draining the in-process workers itself and
    // a second shutdown() throws: then wait for them to let go of the connection and close the
    // Temporal session (and the embedded dev server) directly.
    await session.close().catch(async (err: unknown) => {
      if (!/Not running\. Current state: (DRAINING|DRAINED|STOPPED)/.test((err as Error).message)) throw err;
      for (let i = 0; ; i++) {
        try {
          await session.temporal.close();
          return;
        } catch (e) {
          if (i >= 20 || !/Workers hold a reference/.test((e as Error).message)) throw e;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    });
  }
}

/** --zoo FILE: parsed and validated like `seamflow zoo validate`; every problem is a usage error. */
async function readZooFile(file: string) {
  const { readZooFile: readZoo } = await import('../../infra/zoo/index.js');
  try {
    return await readZoo(file);
  } catch (err) {
    throw new UsageError(`--zoo: ${(err as Error).message}`);
  }
}
