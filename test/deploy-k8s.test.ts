import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../infra/config.js';
import { DEPLOY, isSecretName, knownConfigVariables, parseFlags, workerFlags } from './deploy-helpers.js';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const dir = path.join(DEPLOY, 'k8s');
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
const docs: { file: string; doc: Obj }[] = files.flatMap((file) =>
  parseAllDocuments(readFileSync(path.join(dir, file), 'utf8')).map((d) => {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
    return { file, doc: d.toJS() as Obj };
  }),
);
const objects = docs.filter(({ file }) => file !== 'kustomization.yaml').map(({ doc }) => doc);
const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
const podTemplates = objects.filter((o) => o.spec?.template?.spec).map((o) => ({ owner: o, tpl: o.spec.template as Obj }));
const workers = byKind('Deployment').filter((d) => d.metadata.labels?.['app.kubernetes.io/name'] === 'seamflow-worker');
const workerContainer = (d: Obj): Obj => d.spec.template.spec.containers.find((c: Obj) => c.args?.[0] === 'worker');
const flagsOf = (d: Obj) => parseFlags(workerContainer(d).args as string[]);
const configMap = (name: string): Obj => byKind('ConfigMap').find((c) => c.metadata.name === name)!;
const known = knownConfigVariables();
const readme = readFileSync(path.join(DEPLOY, 'README.md'), 'utf8');

describe('Kubernetes manifests', () => {
  it('are well-formed objects in the seamflow namespace, all listed in the kustomization', () => {
    expect(objects.length).toBeGreaterThan(8);
    for (const o of objects) {
      expect(o.apiVersion, JSON.stringify(o.metadata)).toBeTruthy();
      expect(o.kind).toBeTruthy();
      expect(o.metadata?.name).toMatch(/^[a-z0-9-]+$/);
      if (o.kind !== 'Namespace') expect(o.metadata.namespace, o.metadata.name).toBe('seamflow');
    }
    const kust = parse(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as Obj;
    for (const r of kust.resources as string[]) expect(existsSync(path.join(dir, r)), r).toBe(true);
    // The PodMonitor needs the Prometheus Operator's CRD: applied on its own.
    expect(new Set([...kust.resources, 'kustomization.yaml', 'podmonitor.yaml'])).toEqual(new Set(files));
    const images = (kust.images as Obj[]).map((i) => i.name);
    for (const d of workers) expect(images).toContain(workerContainer(d).image.split(':')[0]);
  });

  it('runs CPU and GPU worker Deployments with the right queues; GPU slots equal the GPUs requested', () => {
    const cpu = workers.filter((d) => flagsOf(d).get('queues') === 'cpu');
    const gpu = workers.filter((d) => flagsOf(d).get('queues') === 'gpu');
    expect(cpu).toHaveLength(1);
    expect(gpu).toHaveLength(1);
    for (const d of workers) expect(workerContainer(d).image, d.metadata.name).toMatch(/^seamflow(-gpu)?:/);
    const c = workerContainer(cpu[0]!);
    expect(c.resources?.limits?.['nvidia.com/gpu']).toBeUndefined();
    expect(c.resources?.requests?.['nvidia.com/gpu']).toBeUndefined();
    const g = workerContainer(gpu[0]!);
    expect(g.image).toMatch(/^seamflow-gpu:/);
    expect(g.resources.limits['nvidia.com/gpu']).toBe(1);
    expect(g.resources.requests['nvidia.com/gpu']).toBe(g.resources.limits['nvidia.com/gpu']);
    expect(Number(flagsOf(gpu[0]!).get('gpu-slots'))).toBe(g.resources.limits['nvidia.com/gpu']);
    expect(gpu[0]!.spec.template.spec.tolerations).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: 'nvidia.com/gpu' })]),
    );
  });

  it('passes workers only flags `seamflow worker` knows', () => {
    const flags = workerFlags();
    for (const d of workers) {
      for (const f of flagsOf(d).keys()) expect(flags.has(f), `${d.metadata.name}: --${f} is not a seamflow worker flag`).toBe(true);
    }
  });

  it('gives seamflow containers only variables infra/config.ts knows, with valid values', () => {
    for (const d of workers) {
      const c = workerContainer(d);
      const env: Record<string, string> = {};
      for (const from of (c.envFrom ?? []) as Obj[]) {
        expect(from.configMapRef, 'envFrom: ConfigMaps only (Secrets by secretKeyRef, key by key)').toBeDefined();
        Object.assign(env, configMap(from.configMapRef.name).data);
      }
      for (const e of (c.env ?? []) as Obj[]) env[e.name] = e.value ?? `from-${e.valueFrom?.secretKeyRef?.key}`;
      for (const k of Object.keys(env)) expect(known.has(k), `${d.metadata.name}: ${k} is not a seamflow variable`).toBe(true);
      const config = loadConfig(env, {}, '/app');
      expect(config.temporal.address).toMatch(/:7233$/);
      expect(config.s3?.endpoint).toMatch(/:9000$/);
      expect(config.s3?.secretKey).toBeDefined();
      expect(config.dataDir).toBe('/data');
      expect(c.volumeMounts).toEqual(expect.arrayContaining([expect.objectContaining({ mountPath: '/data' })]));
    }
  });

  it('takes every secret from a Secret by secretKeyRef, never a literal, and ships no Secret objects', () => {
    expect(byKind('Secret')).toEqual([]);
    const refs = new Set<string>();
    for (const { owner, tpl } of podTemplates) {
      for (const c of [...(tpl.spec.containers ?? []), ...(tpl.spec.initContainers ?? [])] as Obj[]) {
        for (const e of (c.env ?? []) as Obj[]) {
          if (!isSecretName(e.name)) continue;
          expect(e.value, `${owner.metadata.name}/${c.name}: ${e.name} is a literal`).toBeUndefined();
          const ref = e.valueFrom?.secretKeyRef;
          expect(ref, `${owner.metadata.name}/${c.name}: ${e.name}`).toBeDefined();
          refs.add(`${ref.name} ${ref.key}`);
        }
      }
    }
    for (const cm of byKind('ConfigMap')) {
      for (const k of Object.keys(cm.data ?? {})) expect(isSecretName(k), `ConfigMap ${cm.metadata.name} holds ${k}`).toBe(false);
    }
    // The README says how to create each Secret key the manifests read.
    for (const r of refs) {
      const [name, key] = r.split(' ');
      expect(readme, `README: kubectl create secret for ${name}`).toContain(`create secret generic ${name}`);
      expect(readme, `README: key ${key} of ${name}`).toContain(`--from-literal=${key}=`);
    }
    expect(refs.size).toBeGreaterThanOrEqual(3);
  });

  it('wires Services to pods: Temporal frontend on 7233, PostgreSQL for Temporal', () => {
    for (const svc of byKind('Service')) {
      const pods = podTemplates.filter(({ tpl }) =>
        Object.entries(svc.spec.selector as Record<string, string>).every(([k, v]) => tpl.metadata.labels?.[k] === v),
      );
      expect(pods.length, `Service ${svc.metadata.name} selects no pod`).toBeGreaterThan(0);
      for (const p of svc.spec.ports as Obj[]) {
        const names = pods.flatMap(({ tpl }) => (tpl.spec.containers as Obj[]).flatMap((c) => (c.ports ?? []) as Obj[]));
        expect(
          names.some((cp) => cp.name === p.targetPort || cp.containerPort === p.targetPort),
          `${svc.metadata.name}:${p.port}`,
        ).toBe(true);
      }
    }
    const frontend = byKind('Service').find((s) => s.metadata.name === 'temporal-frontend')!;
    expect(frontend.spec.ports.map((p: Obj) => p.port)).toContain(7233);
    const address = configMap('seamflow-config').data.TEMPORAL_ADDRESS as string;
    expect(address).toBe('temporal-frontend.seamflow.svc.cluster.local:7233');
    const temporal = byKind('Deployment').find((d) => d.metadata.name === 'temporal')!;
    const tc = temporal.spec.template.spec.containers[0];
    expect(tc.image).toMatch(/^temporalio\/(auto-setup|server):\d/);
    const tenv = Object.fromEntries((tc.env as Obj[]).map((e) => [e.name, e.value]));
    expect(tenv.DB).toMatch(/^postgres/);
    expect(tenv.POSTGRES_SEEDS).toMatch(/^postgres\./);
    expect(byKind('Service').find((s) => s.metadata.name === 'postgres')!.spec.ports[0].port).toBe(Number(tenv.DB_PORT));
    expect(byKind('StatefulSet').find((s) => s.metadata.name === 'postgres')).toBeDefined();
  });

  it('exposes each worker /metrics on the port Prometheus scrapes, with a readiness probe on it', () => {
    const scrape = parse(configMap('seamflow-prometheus-scrape').data['prometheus.yml']) as Obj;
    const job = (scrape.scrape_configs as Obj[]).find((j) => j.job_name === 'seamflow-workers')!;
    const keep = (label: string) =>
      (job.relabel_configs as Obj[]).find((r) => r.action === 'keep' && r.source_labels[0] === label)!.regex as string;
    const podMonitor = parse(readFileSync(path.join(dir, 'podmonitor.yaml'), 'utf8')) as Obj;
    for (const d of workers) {
      const c = workerContainer(d);
      const port = Number(flagsOf(d).get('metrics-port'));
      expect(flagsOf(d).get('metrics-host'), `${d.metadata.name}: /metrics must listen beyond loopback`).toBe('0.0.0.0');
      const metricsPort = (c.ports as Obj[]).find((p) => p.name === 'metrics') ?? {};
      expect(metricsPort?.containerPort).toBe(port);
      const tpl = d.spec.template;
      expect(tpl.metadata.annotations['prometheus.io/port']).toBe(String(port));
      expect(new RegExp(`^${keep('__meta_kubernetes_pod_container_port_number')}$`).test(String(port))).toBe(true);
      expect(new RegExp(`^${keep('__meta_kubernetes_pod_container_port_name')}$`).test(metricsPort.name)).toBe(true);
      expect(
        new RegExp(`^${keep('__meta_kubernetes_pod_label_app_kubernetes_io_name')}$`).test(tpl.metadata.labels['app.kubernetes.io/name']),
      ).toBe(true);
      for (const [k, v] of Object.entries(podMonitor.spec.selector.matchLabels as Record<string, string>)) {
        expect(tpl.metadata.labels[k]).toBe(v);
      }
      expect(podMonitor.spec.podMetricsEndpoints[0].port).toBe(metricsPort.name);
      expect(JSON.stringify(c.readinessProbe)).toContain(`127.0.0.1:${port}/metrics`);
      // seamflow worker gives running activities 20 s after SIGTERM.
      expect(tpl.spec.terminationGracePeriodSeconds).toBeGreaterThan(20);
    }
  });
});
