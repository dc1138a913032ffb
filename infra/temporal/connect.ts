import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { SeamflowConfig } from '../config.js';
import { logger } from '../log.js';
import { startLocalStack, type LocalStack } from '../stack/index.js';
import { installTemporalLogging } from './runtime-logging.js';

const log = logger('temporal');

/**
 * Where Temporal is: the configured cluster (`TEMPORAL_ADDRESS`), or the
 * embedded default, a local dev server under the data folder (reusing one
 * started by `seamflow stack up`).
 */
export interface TemporalSession {
  address: string;
  namespace: string;
  embedded: boolean;
  /**
   * Temporal Web UI base URL: the embedded dev server's own UI, or for a
   * cluster SEAMFLOW_TEMPORAL_UI_URL (undefined when neither is known).
   */
  uiUrl?: string;
  client: Client;
  /** For workers in this process. */
  nativeConnection: NativeConnection;
  close(): Promise<void>;
}

export async function openTemporal(config: SeamflowConfig, opts: { ephemeral?: boolean } = {}): Promise<TemporalSession> {
  installTemporalLogging();
  let stack: LocalStack | undefined;
  let address = config.temporal.address;
  let namespace = config.temporal.namespace;
  let uiUrl = config.temporal.uiUrl;
  if (!address) {
    stack = await startLocalStack({
      dataDir: config.dataDir,
      temporal: true,
      s3: false,
      reuseRunning: true,
      ephemeral: opts.ephemeral,
      namespace,
    });
    address = stack.temporalAddress!;
    namespace = stack.namespace;
    // The config's UI belongs to TEMPORAL_ADDRESS, which is unset here: the dev server's own UI (if it serves one) is the one.
    uiUrl = stack.temporalUiUrl;
    log.info(
      `embedded Temporal dev server at ${address} (${stack.owned ? 'started for this command' : 'reused from `seamflow stack up`'})${uiUrl ? `, Web UI ${uiUrl}` : ''}`,
    );
  }
  try {
    const connection = await Connection.connect({ address });
    const nativeConnection = await NativeConnection.connect({ address });
    const client = new Client({ connection, namespace });
    return {
      address,
      namespace,
      embedded: Boolean(stack),
      uiUrl,
      client,
      nativeConnection,
      async close() {
        await connection.close();
        await nativeConnection.close();
        await stack?.stop();
      },
    };
  } catch (err) {
    await stack?.stop();
    throw new Error(`cannot connect to Temporal at ${address}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
