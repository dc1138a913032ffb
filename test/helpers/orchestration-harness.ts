import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { S3ArtifactStore } from '../../infra/artifacts/index.js';
import { createSeamWorkers, type SeamWorkerOptions } from '../../workers/seam-worker.js';
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

export async function startOrchestration(
  opts: { queues?: SeamWorkerOptions['queues']; s3Endpoint?: (stack: TestStack) => Promise<string>; backend?: string } & Pick<SeamWorkerOptions, 'cpuSlots' | 'gpuSlots'> = {},
): Promise<OrchestrationHarness> {
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
