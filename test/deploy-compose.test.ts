import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../infra/config.js';
import { DEPLOY, isPlaceholder, isSecretName, knownConfigVariables, parseFlags, readEnvFile, workerFlags } from './deploy-helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;

const dir = path.join(DEPLOY, 'compose');
const compose: Obj = parse(readFileSync(path.join(dir, 'docker-compose.yml'), 'utf8'), { merge: true });
const services: Record<string, Obj> = compose.services;
const known = knownConfigVariables();

const workers = Object.entries(services).filter(([, s]) => Array.isArray(s.command) && s.command[0] === 'worker');
const flagsOf = (s: Obj) => parseFlags(s.command as string[]);
const envFiles = (s: Obj): string[] =>
  (s.env_file ?? []).map((e: string | Obj) => (typeof e === 'string' ? e : (e.path as string)));
const dependsOn = (s: Obj): string[] => (Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {}));

describe('docker compose fleet', () => {
  it('has Temporal on PostgreSQL with the frontend on 7233', () => {
    expect(services.postgres?.image).toMatch(/^postgres:/);
    const t = services.temporal!;
    expect(t.image).toMatch(/^temporalio\/(auto-setup|server):\d/);
    expect(t.environment.DB).toMatch(/^postgres/);
    expect(t.environment.POSTGRES_SEEDS).toBe('postgres');
    expect(t.ports).toContain('7233:7233');
    expect(dependsOn(t)).toContain('postgres');
  });

  it('runs CPU workers on --queues cpu and one GPU worker per GPU on --queues gpu', () => {
    const cpu = workers.filter(([, s]) => flagsOf(s).get('queues') === 'cpu');
    const gpu = workers.filter(([, s]) => flagsOf(s).get('queues') === 'gpu');
    expect(cpu.length).toBeGreaterThanOrEqual(1);
    expect(gpu.length).toBeGreaterThanOrEqual(1);
    expect(cpu.length + gpu.length).toBe(workers.length);
    for (const [name, s] of cpu) {
      expect(s.deploy?.resources?.reservations?.devices, name).toBeUndefined();
      expect(s.image, name).not.toMatch(/gpu/);
    }
    const deviceIds = new Set<string>();
    for (const [name, s] of gpu) {
      const devices: Obj[] = s.deploy.resources.reservations.devices;
      expect(devices, name).toHaveLength(1);
      expect(devices[0]!.driver).toBe('nvidia');
      expect(devices[0]!.capabilities).toContain('gpu');
      const ids: string[] = devices[0]!.device_ids;
      expect(Number(flagsOf(s).get('gpu-slots')), name).toBe(ids.length);
      expect(ids.length).toBe(1);
      for (const id of ids) {
        expect(deviceIds.has(id), `GPU ${id} given to two workers`).toBe(false);
        deviceIds.add(id);
      }
      expect(s.image, name).toMatch(/seamflow-gpu/);
      expect(s.environment.SEAMFLOW_BACKEND).toBe('tensorflow');
    }
  });

  it('starts workers after Temporal and PostgreSQL, and restarts them', () => {
    for (const [name, s] of workers) {
      expect(dependsOn(s), name).toEqual(expect.arrayContaining(['temporal', 'postgres']));
      expect(s.restart, name).toBe('unless-stopped');
      expect(s.stop_grace_period, name).toBeDefined();
    }
  });

  it('passes workers only flags `seamflow worker` knows', () => {
    const flags = workerFlags();
    for (const [name, s] of workers) {
      for (const f of flagsOf(s).keys()) expect(flags.has(f), `${name}: --${f} is not a seamflow worker flag`).toBe(true);
    }
  });

  it('sets only configuration variables infra/config.ts knows, and valid ones', () => {
    for (const [name, s] of workers) {
      const env: Record<string, string> = { ...s.environment };
      for (const f of envFiles(s)) Object.assign(env, readEnvFile(path.join(dir, `${f}.example`)));
      for (const k of Object.keys(env)) expect(known.has(k), `${name}: ${k} is not a seamflow variable`).toBe(true);
      const c = loadConfig(env, {}, '/app');
      expect(c.temporal.address).toBe('temporal:7233');
      expect(c.s3?.endpoint).toMatch(/:9000$/);
      expect(c.s3?.accessKey).toBeDefined();
    }
  });

  it('keeps secrets in env files (examples hold placeholders only), never inline', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const [k, v] of Object.entries((s.environment ?? {}) as Obj)) {
        expect(isSecretName(k), `${name} sets secret ${k}=${String(v)} inline`).toBe(false);
      }
      for (const f of envFiles(s)) {
        expect(f, `${name}: env file ${f}`).toMatch(/^\.\/[a-z-]+\.env$/);
        const example = path.join(dir, `${f}.example`);
        expect(existsSync(example), `${example} missing`).toBe(true);
        for (const [k, v] of Object.entries(readEnvFile(example))) {
          if (isSecretName(k)) expect(isPlaceholder(v), `${example}: ${k} is not a placeholder`).toBe(true);
        }
      }
    }
    expect(readEnvFile(path.join(dir, 'postgres.env.example'))).toHaveProperty('POSTGRES_PWD');
    expect(envFiles(services.postgres!)).toEqual(envFiles(services.temporal!));
  });

  it('has Prometheus scrape every worker on its metrics port', () => {
    const prom: Obj = parse(readFileSync(path.join(dir, 'prometheus.yml'), 'utf8'));
    const scraped = new Map<string, number>();
    for (const job of prom.scrape_configs as Obj[]) {
      for (const sd of (job.dns_sd_configs ?? []) as Obj[]) for (const n of sd.names as string[]) scraped.set(n, Number(sd.port));
      for (const sc of (job.static_configs ?? []) as Obj[]) {
        for (const t of sc.targets as string[]) {
          const [host, port] = t.split(':');
          scraped.set(host!, Number(port));
        }
      }
    }
    for (const [name, s] of workers) {
      const port = Number(flagsOf(s).get('metrics-port'));
      expect(port, name).toBeGreaterThan(0);
      expect(flagsOf(s).get('metrics-host'), `${name}: /metrics must listen beyond loopback`).toBe('0.0.0.0');
      expect(scraped.get(name), `${name} is not scraped on ${port}`).toBe(port);
      expect((s.expose as string[]).map(Number)).toContain(port);
      expect(JSON.stringify(s.healthcheck.test)).toContain(`127.0.0.1:${port}/metrics`);
    }
    for (const host of scraped.keys()) expect(services[host], `scrape target ${host} is no service`).toBeDefined();
  });

  it('keeps the optional MinIO on 9000 behind a profile, and mounts files that exist', () => {
    const minio = services.minio!;
    expect(minio.profiles).toEqual(['minio']);
    expect(minio.ports).toContain('9000:9000');
    for (const [name, s] of Object.entries(services)) {
      for (const v of (s.volumes ?? []) as string[]) {
        const src = v.split(':')[0]!;
        if (src.startsWith('.')) expect(existsSync(path.join(dir, src)), `${name}: ${src}`).toBe(true);
      }
    }
    expect(services.grafana!.volumes.join(' ')).toContain('../../grafana/seamflow-dashboard.json');
  });
});
