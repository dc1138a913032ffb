import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * initBackend chooses once per process, so each scenario runs in its own
 * child process (through tsx, as the CLI does). The children end without
 * calling disposeBackend: a process must exit on its own, wasm threads or not.
 */

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

function installed(pkg: string): boolean {
  try {
    require.resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}
const tfjsNodePresent = installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runChild(script: string, env: Record<string, string>): Promise<Run> {
  const base = { ...process.env };
  delete base.SEAMFLOW_BACKEND;
  delete base.SEAMFLOW_WASM_THREADS;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: root, env: { ...base, ...env }, timeout: 90_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const chooseTwice = `
import { initBackend } from './infra/backend/index.js';
const a = await initBackend();
const b = await initBackend();
let conflict = '';
try { await initBackend({ backend: a.name === 'cpu' ? 'wasm' : 'cpu' }); } catch (e) { conflict = e.message; }
console.log(JSON.stringify({ a, same: a === b, conflict }));
`;

const failForced = `
import { initBackend } from './infra/backend/index.js';
try { await initBackend(); console.log('unexpected success'); } catch (e) { console.log(e.message); process.exitCode = 3; }
`;

describe('initBackend in a fresh process', () => {
  it('falls back to wasm without tfjs-node, memoises, exits by itself; forcing works and fails clearly', async () => {
    const [auto, forcedMissing, forcedCpu] = await Promise.all([
      runChild(chooseTwice, {}),
      runChild(failForced, { SEAMFLOW_BACKEND: 'tensorflow' }),
      runChild(chooseTwice, { SEAMFLOW_BACKEND: 'cpu' }),
    ]);

    expect(auto.code, auto.stderr).toBe(0);
    const out = JSON.parse(auto.stdout) as { a: { name: string; detail: string }; same: boolean; conflict: string };
    expect(out.same).toBe(true);
    expect(out.a.name).toEqual(tfjsNodePresent ? expect.stringMatching(/tensorflow|wasm/) : 'wasm');
    expect(out.conflict).toMatch(/but this process already uses/);
    // One log line on stderr naming the backend, SIMD and threads, and why tensorflow was passed over.
    const lines = auto.stderr.split('\n').filter((l) => l.includes('[seamflow:backend]'));
    expect(lines).toHaveLength(1);
    if (!tfjsNodePresent) {
      expect(lines[0]).toMatch(/TF\.js backend wasm: (no )?SIMD, \d+ threads? .*tensorflow: not installed/);
    }

    if (!tfjsNodePresent) {
      expect(forcedMissing.code).toBe(3);
      expect(forcedMissing.stdout.trim()).toBe(
        'SEAMFLOW_BACKEND=tensorflow but @tensorflow/tfjs-node (or @tensorflow/tfjs-node-gpu) is not ' +
          'installed/loadable: not installed (optional dependency whose install downloads libtensorflow); ' +
          'available: wasm, cpu',
      );
    }

    expect(forcedCpu.code, forcedCpu.stderr).toBe(0);
    expect((JSON.parse(forcedCpu.stdout) as { a: { name: string } }).a.name).toBe('cpu');
    expect(forcedCpu.stderr).toMatch(/TF\.js backend cpu: .*forced by SEAMFLOW_BACKEND/);
    expect(forcedCpu.stderr).not.toMatch(/Hi, looks like you are running/);
  });
});

/**
 * tfjs-node installed with --ignore-scripts: present, but its require()
 * registers kernels and then throws a plain Error for the missing binary.
 * Fakes of both packages go in a folder on NODE_PATH; the GPU one is broken,
 * the CPU one would load, and must not even be tried.
 */
describe.skipIf(tfjsNodePresent)('initBackend with a tfjs-node that cannot load', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'seamflow-fake-tfjs-node-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const tfjs = require.resolve('@tensorflow/tfjs');
  const fake = (name: string, body: string) => {
    const pkgDir = path.join(dir, '@tensorflow', name);
    // A binding file, as a built package has: the chooser skips packages without one.
    mkdirSync(path.join(pkgDir, 'lib', 'napi-v8'), { recursive: true });
    writeFileSync(path.join(pkgDir, 'lib', 'napi-v8', 'tfjs_binding.node'), '');
    writeFileSync(path.join(pkgDir, 'package.json'), JSON.stringify({ name: `@tensorflow/${name}`, main: 'index.js' }));
    writeFileSync(path.join(pkgDir, 'index.js'), body);
  };
  fake(
    'tfjs-node-gpu',
    `const tf = require(${JSON.stringify(tfjs)});
tf.registerKernel({ kernelName: 'Abs', backendName: 'tensorflow', kernelFunc: () => { throw new Error('no'); } });
throw new Error('The Node.js native addon module (tfjs_binding.node) can not be found at path: /nowhere');`,
  );
  fake('tfjs-node', `process.stderr.write('FAKE tfjs-node LOADED\\n');`);

  it('falls back to wasm, reports why, and tries only the GPU package', async () => {
    const env = { NODE_PATH: dir, SEAMFLOW_WASM_THREADS: '1' };
    const [auto, forced] = await Promise.all([
      runChild(chooseTwice, env),
      runChild(failForced, { ...env, SEAMFLOW_BACKEND: 'tensorflow' }),
    ]);
    expect(auto.code, auto.stderr).toBe(0);
    expect((JSON.parse(auto.stdout) as { a: { name: string } }).a.name).toBe('wasm');
    expect(auto.stderr).toMatch(/TF\.js backend wasm: .*tensorflow: The Node\.js native addon module \(tfjs_binding\.node\) can not be found/);
    expect(auto.stderr).not.toMatch(/FAKE tfjs-node LOADED/);
    expect(forced.code).toBe(3);
    expect(forced.stdout.trim()).toBe(
      'SEAMFLOW_BACKEND=tensorflow but @tensorflow/tfjs-node (or @tensorflow/tfjs-node-gpu) is not installed/loadable: ' +
        'The Node.js native addon module (tfjs_binding.node) can not be found at path: /nowhere; available: wasm, cpu',
    );
  });
});
