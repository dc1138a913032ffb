import { parseArgs } from 'node:util';
import { loadConfig } from '../../infra/config.js';
import { logger } from '../../infra/log.js';
import { stackDir } from '../../infra/stack/stack-layout.js';
import { readState, type StackState } from '../../infra/stack/state-file.js';
import { intInRange } from '../flags.js';
import { UsageError } from '../usage-error.js';

// The server code (Temporal client, minio) loads only when an action runs: `seamflow --help` stays fast.
const control = () => import('../../infra/stack/stack-control.js');

export const summary = 'Local Temporal dev server + S3 server (SeaweedFS) in the background: up | status | down | env';

const log = logger('stack');

const HELP = `Usage: seamflow stack <up|status|down|env> [options]

  up       start the Temporal dev server and the S3 server detached, data in <dataDir>/stack/
           --services temporal,s3   which servers (default both)
           --temporal-port N        Temporal gRPC port (default: last one if free, else any free)
           --s3-port N              S3 port (same rule)
           --bucket NAME            bucket to create (default: the configured S3 bucket, else "seamflow")
           --timeout S              seconds to wait for health (default 60)
  status   endpoints and health; exit 0 healthy, 1 unhealthy, 3 not running
  down     stop the servers (SIGTERM, SIGKILL after --grace S, default 10), wait for their ports to close
  env      print shell exports for this stack, secret key included: eval "$(seamflow stack env)"

  --json   machine-readable output (up, status, down; never includes the secret key)
The data folder is SEAMFLOW_DATA_DIR (default ./.seamflow). The Temporal dev server
serves its Web UI on a free loopback port: up and status show it, env exports it as
SEAMFLOW_TEMPORAL_UI_URL (what \`seamflow dashboard\` links runs to).`;

function describeState(state: StackState): string[] {
  const lines: string[] = [];
  if (state.temporal) lines.push(`  temporal  ${state.temporal.address.padEnd(24)} pid ${state.temporal.pid}  namespace ${state.temporal.namespace}`);
  if (state.temporal?.uiUrl) lines.push(`            web UI ${state.temporal.uiUrl}`);
  if (state.s3) {
    lines.push(
      `  s3        ${state.s3.endpoint.padEnd(24)} pid ${state.s3.pid}  access key ${state.s3.accessKey}` +
        `${state.s3.bucket ? `  bucket ${state.s3.bucket}` : ''}`,
      `            secret key in ${state.s3.identityFile} (mode 0600)`,
    );
  }
  return lines;
}

async function up(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      services: { type: 'string', default: 'temporal,s3' },
      'temporal-port': { type: 'string' },
      's3-port': { type: 'string' },
      bucket: { type: 'string' },
      timeout: { type: 'string', default: '60' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const services = values.services.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = services.filter((s) => s !== 'temporal' && s !== 's3');
  if (unknown.length > 0 || services.length === 0) throw new UsageError(`--services takes temporal and/or s3, got "${values.services}"`);
  const config = loadConfig();
  const dir = stackDir(config.dataDir);
  const started = Date.now();
  log.info(`starting ${services.join(' + ')} in ${dir}`);
  const { stackUp } = await control();
  const result = await stackUp({
    dir,
    temporal: services.includes('temporal'),
    s3: services.includes('s3'),
    namespace: config.temporal.namespace,
    bucket: values.bucket ?? config.s3?.bucket ?? 'seamflow',
    ports: { temporal: intInRange('temporal-port', values['temporal-port'], 1, 65535), s3: intInRange('s3-port', values['s3-port'], 1, 65535) },
    timeoutMs: (intInRange('timeout', values.timeout, 1, 3600) ?? 60) * 1000,
  });
  if (values.json) {
    console.log(JSON.stringify({ outcome: result.outcome, dir, ...publicState(result.state) }, null, 2));
    return 0;
  }
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    [
      result.outcome === 'started' ? `stack started in ${secs} s (${dir})` : `stack already running (${dir})`,
      ...describeState(result.state),
      'Stop it with `seamflow stack down`; shell exports: eval "$(seamflow stack env)".',
    ].join('\n'),
  );
  return 0;
}

/** The state as shown to users: everything but nothing secret (the state file holds no secret anyway). */
function publicState(state: StackState) {
  return { mode: state.mode, startedAt: state.startedAt, temporal: state.temporal, s3: state.s3 };
}

async function status(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } }, strict: true });
  const dir = stackDir(loadConfig().dataDir);
  const { stackStatus } = await control();
  const { state, services } = await stackStatus(dir);
  const healthy = services.length > 0 && services.every((s) => s.health === true);
  const code = !state ? 3 : healthy ? 0 : 1;
  if (values.json) {
    console.log(JSON.stringify({ dir, running: Boolean(state), healthy, ...(state ? { mode: state.mode, startedAt: state.startedAt } : {}), services }, null, 2));
    return code;
  }
  if (!state) {
    console.log(`no stack running (${dir}); start one with \`seamflow stack up\``);
    return code;
  }
  const lines = [`stack ${state.mode} since ${state.startedAt} (${dir})`];
  for (const s of services) {
    const health = s.health === true ? 'healthy' : `UNHEALTHY: ${s.health}`;
    lines.push(`  ${s.name.padEnd(9)} ${s.endpoint.padEnd(24)} pid ${String(s.pid).padEnd(8)} ${health}`);
    if (s.ui) lines.push(`            web UI ${s.ui}`);
    if (s.health !== true) lines.push(`            log: ${s.logFile}`);
  }
  if (state.s3) lines.push(`  s3 access key ${state.s3.accessKey}; secret key in ${state.s3.identityFile}`);
  console.log(lines.join('\n'));
  return code;
}

async function down(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { grace: { type: 'string', default: '10' }, json: { type: 'boolean', default: false } },
    strict: true,
  });
  const graceMs = (intInRange('grace', values.grace, 1, 3600) ?? 10) * 1000;
  const dir = stackDir(loadConfig().dataDir);
  const { stackDown } = await control();
  const result = await stackDown(dir, graceMs);
  if (values.json) {
    console.log(JSON.stringify({ dir, ...result }, null, 2));
    return 0;
  }
  if (result.outcome === 'not-running') {
    console.log(`no stack running (${dir})`);
    return 0;
  }
  const parts = Object.entries(result.stopped).map(([name, how]) => `${name} ${how}`);
  console.log(`stack stopped: ${parts.join(', ')} (data kept in ${dir})`);
  return 0;
}

/** Shell exports for clients of this stack. Prints the secret key: only on this explicit request, to stdout. */
async function env(argv: string[]): Promise<number> {
  parseArgs({ args: argv, options: {}, strict: true });
  const dir = stackDir(loadConfig().dataDir);
  const state = readState(dir);
  if (!state) {
    log.error(`no stack running (${dir})`);
    return 3;
  }
  const q = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
  const lines: string[] = [];
  if (state.temporal) lines.push(`export TEMPORAL_ADDRESS=${q(state.temporal.address)}`, `export TEMPORAL_NAMESPACE=${q(state.temporal.namespace)}`);
  if (state.temporal?.uiUrl) lines.push(`export SEAMFLOW_TEMPORAL_UI_URL=${q(state.temporal.uiUrl)}`);
  if (state.s3) {
    const { readCredentials } = await import('../../infra/stack/credentials.js');
    const creds = readCredentials(state.s3.identityFile);
    lines.push(
      `export SEAMFLOW_S3_ENDPOINT=${q(state.s3.endpoint)}`,
      `export SEAMFLOW_S3_REGION=${q(state.s3.region)}`,
      ...(state.s3.bucket ? [`export SEAMFLOW_S3_BUCKET=${q(state.s3.bucket)}`] : []),
      `export AWS_ACCESS_KEY_ID=${q(creds.accessKey)}`,
      `export AWS_SECRET_ACCESS_KEY=${q(creds.secretKey)}`,
    );
  }
  console.log(lines.join('\n'));
  return 0;
}

const actions: Record<string, (argv: string[]) => Promise<number>> = { up, status, down, env };

export async function run(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  if (!action || action === '--help' || action === '-h' || action === 'help') {
    console.log(HELP);
    return action ? 0 : 2;
  }
  const fn = actions[action];
  if (!fn) throw new UsageError(`unknown action "${action}"; expected up, status, down or env (see --help)`);
  try {
    return await fn(rest);
  } catch (err) {
    // parseArgs reports unknown options as TypeError with a code: that is a usage mistake.
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw new UsageError((err as Error).message);
    throw err;
  }
}
