import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../infra/stack/local-stack.js';
import { tempDir } from './temp-dir.js';

export interface TestStack extends LocalStack {
  /** Stops the servers and deletes their temp folder. */
  cleanup(): Promise<void>;
}

/**
 * Real servers for one test file, in a throw-away folder, owned by the test
 * process (they die with it). Temporal keeps its state in memory and serves
 * no Web UI unless a test asks for it (`temporalUi: true`).
 */
export async function startTestStack(opts: Omit<LocalStackOptions, 'dataDir'> = {}): Promise<TestStack> {
  const dir = tempDir('seamflow-stack-');
  let stack: LocalStack;
  try {
    stack = await startLocalStack({ ephemeral: true, timeoutMs: 90_000, temporalUi: false, ...opts, dataDir: dir.path });
  } catch (err) {
    dir.remove();
    throw err;
  }
  return {
    ...stack,
    async cleanup() {
      try {
        await stack.stop();
      } finally {
        dir.remove();
      }
    },
  };
}
