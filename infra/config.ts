import path from 'node:path';
import { z } from 'zod';

/**
 * The one validated configuration of a seamflow process, read from the
 * environment (flags override by passing their own values in `overrides`).
 * Anything unknown or malformed fails at start-up, naming the variable.
 */
export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

const nonEmpty = z.string().trim().min(1);

const schema = z.object({
  SEAMFLOW_DATA_DIR: nonEmpty.optional(),
  // Dataset caches shared by tests and benchmarks (infra/datasets/cache-dir.ts reads them).
  SEAMFLOW_CIFAR10_DIR: nonEmpty.optional(),
  SEAMFLOW_MNIST_DIR: nonEmpty.optional(),
  SEAMFLOW_BACKEND: z.enum(BACKENDS).optional(),
  SEAMFLOW_WASM_THREADS: z.coerce.number().int().min(1).max(64).optional(),
  SEAMFLOW_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).optional(),
  SEAMFLOW_DEBUG: z.string().optional(),
  SEAMFLOW_API_TOKEN: nonEmpty.optional(),
  TEMPORAL_ADDRESS: nonEmpty
    .regex(/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:7233')
    .optional(),
  TEMPORAL_NAMESPACE: nonEmpty.regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, ".", "_" or "-" only').default('default'),
  // The Temporal Web UI of TEMPORAL_ADDRESS, for the dashboard's links (`seamflow stack env` prints the local stack's).
  SEAMFLOW_TEMPORAL_UI_URL: z.url({ protocol: /^https?$/, message: 'expected an http(s) URL such as http://127.0.0.1:8233' }).optional(),
  SEAMFLOW_S3_ENDPOINT: z.url({ message: 'expected a URL such as http://127.0.0.1:9000' }).optional(),
  SEAMFLOW_S3_BUCKET: nonEmpty
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'not a valid S3 bucket name')
    .default('seamflow'),
  SEAMFLOW_S3_REGION: nonEmpty.default('us-east-1'),
  AWS_ACCESS_KEY_ID: nonEmpty.optional(),
  AWS_SECRET_ACCESS_KEY: nonEmpty.optional(),
});

export interface SeamflowConfig {
  dataDir: string;
  backend?: BackendName;
  wasmThreads?: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  apiToken?: string;
  temporal: { address?: string; namespace: string; uiUrl?: string };
  s3?: { endpoint: string; bucket: string; region: string; accessKey?: string; secretKey?: string };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Variables with our prefix that the schema does not know: a typo must not be silently ignored. */
function unknownSeamflowVariables(env: NodeJS.ProcessEnv): string[] {
  const known = new Set(Object.keys(schema.shape));
  return Object.keys(env).filter((k) => k.startsWith('SEAMFLOW_') && !known.has(k));
}

export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Record<keyof z.infer<typeof schema>, string>> = {},
  cwd = process.cwd(),
): SeamflowConfig {
  const unknown = unknownSeamflowVariables(env);
  if (unknown.length > 0) {
    throw new ConfigError(
      `unknown configuration variable ${unknown.join(', ')}; known: ${Object.keys(schema.shape).join(', ')}`,
    );
  }
  const raw: Record<string, string | undefined> = {};
  for (const key of Object.keys(schema.shape)) {
    const v = (overrides as Record<string, string | undefined>)[key] ?? env[key];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const msgs = parsed.error.issues.map((i) => {
      const name = String(i.path[0] ?? '?');
      return `${name}=${JSON.stringify(raw[name] ?? '')}: ${i.message}`;
    });
    throw new ConfigError(`invalid configuration: ${msgs.join('; ')}`);
  }
  const c = parsed.data;
  if (Boolean(c.AWS_ACCESS_KEY_ID) !== Boolean(c.AWS_SECRET_ACCESS_KEY)) {
    throw new ConfigError('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together');
  }
  return {
    dataDir: path.resolve(cwd, c.SEAMFLOW_DATA_DIR ?? '.seamflow'),
    backend: c.SEAMFLOW_BACKEND,
    wasmThreads: c.SEAMFLOW_WASM_THREADS,
    logLevel: c.SEAMFLOW_LOG_LEVEL ?? 'info',
    apiToken: c.SEAMFLOW_API_TOKEN,
    temporal: { address: c.TEMPORAL_ADDRESS, namespace: c.TEMPORAL_NAMESPACE, uiUrl: c.SEAMFLOW_TEMPORAL_UI_URL?.replace(/\/+$/, '') },
    s3: c.SEAMFLOW_S3_ENDPOINT
      ? {
          endpoint: c.SEAMFLOW_S3_ENDPOINT,
          bucket: c.SEAMFLOW_S3_BUCKET,
          region: c.SEAMFLOW_S3_REGION,
          accessKey: c.AWS_ACCESS_KEY_ID,
          secretKey: c.AWS_SECRET_ACCESS_KEY,
        }
      : undefined,
  };
}
