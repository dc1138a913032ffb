/**
 * Shared readers for the deploy tests (test/deploy-*.test.ts): the
 * configuration variables infra/config.ts knows and the flags
 * `seamflow worker` accepts, read from the code itself so the manifests
 * cannot drift from it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../infra/config.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DEPLOY = path.join(ROOT, 'infra', 'deploy');

/** Every variable the config schema knows, from loadConfig's own message about an unknown one. */
export function knownConfigVariables(): Set<string> {
  try {
    loadConfig({ SEAMFLOW_DEPLOY_TEST_PROBE: 'x' }, {}, '/');
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const m = /known: (.*)$/.exec(e.message);
    if (m?.[1]) return new Set(m[1].split(',').map((s) => s.trim()));
  }
  throw new Error('loadConfig did not list its known variables for an unknown SEAMFLOW_ variable');
}

/** Long options of `seamflow worker` (its parseArgs table in cli/commands/worker.ts). */
export function workerFlags(): Set<string> {
  const src = readFileSync(path.join(ROOT, 'cli', 'commands', 'worker.ts'), 'utf8');
  const block = /options:\s*\{([\s\S]*?)\n\s{4}\},/.exec(src)?.[1];
  if (!block) throw new Error('could not find the parseArgs options of cli/commands/worker.ts');
  const flags = new Set<string>();
  for (const m of block.matchAll(/^\s*'?([a-z][a-z0-9-]*)'?\s*:\s*\{\s*type:/gm)) flags.add(m[1]!);
  return flags;
}

/** `--name value` and `--name` pairs of an argument list. */
export function parseFlags(args: string[]): Map<string, string | true> {
  const out = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    if (eq > 0) {
      out.set(a.slice(2, eq), a.slice(eq + 1));
    } else {
      const next = args[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        out.set(a.slice(2), next);
        i++;
      } else {
        out.set(a.slice(2), true);
      }
    }
  }
  return out;
}

/** KEY=VALUE lines of an env file (comments and blank lines skipped). */
export function readEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`${file}: not KEY=VALUE: ${line}`);
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

/** Variable names that carry a secret and so must come from a Secret / env file. */
export function isSecretName(name: string): boolean {
  return /PASSWORD|PWD|SECRET|ACCESS_KEY|TOKEN|ROOT_USER/i.test(name);
}

/** Values that are plainly placeholders, fine in *.example files. */
export function isPlaceholder(value: string): boolean {
  return /^(change-me[-a-z]*|<[^>]+>|REPLACE[_A-Z]*)$/i.test(value);
}

