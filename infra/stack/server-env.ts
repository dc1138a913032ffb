/**
 * Environment for a stack server: ours minus anything that would change its
 * behaviour behind our back (a developer's real AWS keys or Temporal address,
 * weed's S3_BUCKET, our own SEAMFLOW_ settings).
 */
const DROP = /^(AWS_|TEMPORAL_|S3_|SEAMFLOW_|WEED_)/;

export function serverEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) if (!DROP.test(k)) env[k] = v;
  return env;
}
