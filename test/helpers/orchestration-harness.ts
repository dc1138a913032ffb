import { randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { afterAll, beforeAll } from 'vitest';
import { S3ArtifactStore } from '../../infra/artifacts/index.js';
import { createSeamWorkers, type SeamWorkerOptions } from '../../workers/seam-worker.js';
import { reengineerWorkflow, type ReengineerTimeouts } from '../../workflows/reengineer-workflow.js';
import { WORKFLOW_QUEUE } from '../../workflows/task-queues.js';
import type { ReengineerSpec, RunProgress } from '../../workflows/types.js';
import { trainTinyOnSynthetic, type Trained } from '../fixtures/engine/trained.js';
import { startTestStack, type TestStack } from './test-stack.js';

/**
 * Real servers plus seamflow workers for one orchestration test file: a
 * Temporal dev server, SeaweedFS behind the S3 store, and workers in this
 * process serving the queues asked for.
 */
export interface OrchestrationHarness {
  stack: TestStack;
  client: Client;
  native: NativeConnection;
  store: S3ArtifactStore;
  close(): Promise<void>;
}

export type OrchestrationOptions = {
  queues?: SeamWorkerOptions['queues'];
  s3Endpoint?: (stack: TestStack) => Promise<string>;
  backend?: string;
} & Pick<SeamWorkerOptions, 'cpuSlots' | 'gpuSlots'>;

export async function startOrchestration(opts: OrchestrationOptions = {}): Promise<OrchestrationHarness> {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // installed already in this process
  }
  const stack = await startTestStack();
  const connection = await Connection.connect({ address: stack.temporalAddress! });
  const native = await NativeConnection.connect({ address: stack.temporalAddress! });
  const client = new Client({ connection, namespace: stack.namespace });
  const endpoint = opts.s3Endpoint ? await opts.s3Endpoint(stack) : stack.s3!.endpoint;
  const store = new S3ArtifactStore({ ...stack.s3!, endpoint, bucket: 'seamflow' });
  const workers = await createSeamWorkers({
    connection: native,
    namespace: stack.namespace,
    queues: opts.queues ?? ['cpu', 'gpu'],
    store,
    backend: opts.backend ?? 'wasm',
    cpuSlots: opts.cpuSlots,
    gpuSlots: opts.gpuSlots,
  });
  const running = workers.run();
  return {
    stack,
    client,
    native,
    store,
    async close() {
      workers.shutdown();
      await running;
      await connection.close();
      await native.close();
      await stack.cleanup();
    },
  };
}

/** The file-wide servers and tiny trained model that useTinyOrchestration sets up; read them inside tests and hooks. */
export interface TinyOrchestration {
  readonly h: OrchestrationHarness;
  readonly stack: TestStack;
  readonly client: Client;
  readonly store: S3ArtifactStore;
  readonly trained: Trained;
  /** Starts a reengineerWorkflow with id `${idPrefix}-<uuid>`; the timeouts argument is passed only when given. */
  startReengineer(spec: ReengineerSpec, idPrefix: string, timeouts?: ReengineerTimeouts): Promise<WorkflowHandleWithFirstExecutionRunId<typeof reengineerWorkflow>>;
  /** The run's JSON report from the store. */
  report<T>(p: RunProgress): Promise<T>;
}

/**
 * Registers this file's beforeAll/afterAll: startOrchestration (with `orchestration`) alongside
 * trainTinyOnSynthetic (with `train`), and closes the harness at the end, between the optional
 * `beforeClose` and `afterClose` steps.
 */
export function useTinyOrchestration(
  opts: {
    orchestration?: OrchestrationOptions;
    train?: Parameters<typeof trainTinyOnSynthetic>[0];
    beforeClose?: () => unknown;
    afterClose?: () => unknown;
  } = {},
): TinyOrchestration {
  let h: OrchestrationHarness | undefined;
  let trained: Trained | undefined;

  beforeAll(async () => {
    [h, trained] = await Promise.all([startOrchestration(opts.orchestration), trainTinyOnSynthetic(opts.train)]);
  });

  afterAll(async () => {
    await opts.beforeClose?.();
    await h?.close();
    await opts.afterClose?.();
  });

  const ready = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`useTinyOrchestration: ${what} is set in beforeAll; read it inside a test or hook`);
    return v;
  };
  return {
    get h() {
      return ready(h, 'the harness');
    },
    get stack() {
      return this.h.stack;
    },
    get client() {
      return this.h.client;
    },
    get store() {
      return this.h.store;
    },
    get trained() {
      return ready(trained, 'the trained model');
    },
    startReengineer(spec, idPrefix, timeouts) {
      return this.client.workflow.start(reengineerWorkflow, {
        taskQueue: WORKFLOW_QUEUE,
        workflowId: `${idPrefix}-${randomUUID()}`,
        args: timeouts === undefined ? [spec] : [spec, timeouts],
      });
    },
    async report<T>(p: RunProgress) {
      return JSON.parse((await this.store.get(p.reportKey!)).toString()) as T;
    },
  };
}

/** One stage's progress entry (it must be there). */
export const stageOf = (p: RunProgress, name: string) => p.stages.find((s) => s.stage === name)!;
