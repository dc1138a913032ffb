import { execFile } from 'node:child_process';
import path from 'node:path';
import { packageRoot } from '../../infra/paths.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI (`node bin/seamflow.mjs ...`) and resolves with its exit code and output; never rejects on a non-zero exit. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [path.join(packageRoot, 'bin', 'seamflow.mjs'), ...args],
      { cwd: packageRoot, env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') return reject(Object.assign(err, { stdout, stderr }));
        resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
      },
    );
  });
}
