import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEPLOY, ROOT, knownConfigVariables, parseFlags, workerFlags } from './deploy-helpers.js';

interface Instr {
  op: string;
  args: string;
}

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function instructions(file: string): Instr[] {
  const joined = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => {
      const m = /^([A-Za-z]+)\s+(.*)$/.exec(l);
      if (!m) throw new Error(`${file}: cannot read "${l}"`);
      return { op: m[1]!.toUpperCase(), args: m[2]! };
    });
}

const execForm = (args: string): string[] => {
  const v: unknown = JSON.parse(args);
  if (!Array.isArray(v)) throw new Error(`not exec form: ${args}`);
  return v as string[];
};

/** The final stage's ENTRYPOINT + CMD. */
function command(ins: Instr[]): { entrypoint: string[]; cmd: string[] } {
  const last = ins.map((i) => i.op).lastIndexOf('FROM');
  const stage = ins.slice(last);
  const ep = stage.filter((i) => i.op === 'ENTRYPOINT').pop();
  const cmd = stage.filter((i) => i.op === 'CMD').pop();
  return { entrypoint: ep ? execForm(ep.args) : [], cmd: cmd ? execForm(cmd.args) : [] };
}

function envKeys(ins: Instr[]): string[] {
  return ins.filter((i) => i.op === 'ENV').flatMap((i) => [...i.args.matchAll(/([A-Z_][A-Z0-9_]*)=/g)].map((m) => m[1]!));
}

const cpuFile = path.join(DEPLOY, 'docker', 'Dockerfile');
const gpuFile = path.join(DEPLOY, 'docker', 'Dockerfile.gpu');
const cpu = instructions(cpuFile);
const gpu = instructions(gpuFile);
const runs = (ins: Instr[]) => ins.filter((i) => i.op === 'RUN').map((i) => i.args);

describe('Dockerfiles', () => {
  it('start bin/seamflow.mjs with node, in exec form, as a worker', () => {
    for (const [ins, queue] of [
      [cpu, 'cpu'],
      [gpu, 'gpu'],
    ] as const) {
      const { entrypoint, cmd } = command(ins);
      const argv = [...entrypoint, ...cmd];
      expect(argv.slice(0, 2)).toEqual(['node', 'bin/seamflow.mjs']);
      expect(argv[2]).toBe('worker');
      const flags = parseFlags(argv.slice(3));
      expect(flags.get('queues')).toBe(queue);
      expect(flags.get('metrics-port')).toBe('9464');
      const known = workerFlags();
      for (const f of flags.keys()) expect(known.has(f), `--${f} is not a seamflow worker flag`).toBe(true);
      if (queue === 'gpu') expect(flags.get('gpu-slots')).toBe('1');
      expect(ins.some((i) => i.op === 'EXPOSE' && i.args.split(/\s+/).includes('9464'))).toBe(true);
      expect(ins.some((i) => i.op === 'WORKDIR' && i.args === '/app')).toBe(true);
      expect(ins.some((i) => i.op === 'USER'), 'runs as a non-root user').toBe(true);
    }
  });

  it('install dependencies with npm ci from the lockfile, never npm install', () => {
    for (const ins of [cpu, gpu]) {
      expect(runs(ins).some((r) => /\bnpm ci\b/.test(r))).toBe(true);
      expect(runs(ins).some((r) => /\bnpm (install|i)\b/.test(r))).toBe(false);
      const copies = ins.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from')).map((i) => i.args);
      expect(copies[0]).toBe('package.json package-lock.json ./');
    }
  });

  it('build the native backends with the project scripts; the GPU image on a CUDA base', () => {
    expect(runs(cpu).some((r) => r.includes('scripts/setup-native.sh'))).toBe(true);
    const gpuRun = runs(gpu).find((r) => r.includes('scripts/setup-native-gpu.sh'));
    expect(gpuRun).toMatch(/^--device=nvidia\.com\/gpu=all /);
    expect(readFileSync(gpuFile, 'utf8').split('\n')[0]).toBe('# syntax=docker/dockerfile:1-labs');
    const cudaArg = gpu.find((i) => i.op === 'ARG' && i.args.startsWith('CUDA_IMAGE='))!;
    expect(cudaArg.args).toMatch(/^CUDA_IMAGE=nvidia\/cuda:12\.\d+\.\d+-[a-z]+-ubuntu\d/);
    const froms = gpu.filter((i) => i.op === 'FROM').map((i) => i.args);
    expect(froms[froms.length - 1]).toBe('${CUDA_IMAGE}');
    for (const f of ['scripts/setup-native.sh', 'scripts/setup-native-gpu.sh', 'bin/seamflow.mjs', 'package-lock.json']) {
      expect(existsSync(path.join(ROOT, f)), f).toBe(true);
    }
  });

  it('set only known seamflow variables, and keep secrets and local state out of the context', () => {
    const known = knownConfigVariables();
    for (const ins of [cpu, gpu]) {
      for (const k of envKeys(ins).filter((k) => k.startsWith('SEAMFLOW_') || k.startsWith('TEMPORAL_') || k.startsWith('AWS_'))) {
        expect(known.has(k), k).toBe(true);
      }
      expect(envKeys(ins).filter((k) => k.startsWith('AWS_'))).toEqual([]);
    }
    expect(envKeys(gpu)).toContain('SEAMFLOW_BACKEND');
    for (const f of ['Dockerfile.dockerignore', 'Dockerfile.gpu.dockerignore']) {
      const lines = readFileSync(path.join(DEPLOY, 'docker', f), 'utf8').split('\n');
      for (const must of ['node_modules', '.tools', '.seamflow', '.git', '**/*.env']) expect(lines, `${f}: ${must}`).toContain(must);
    }
  });
});
