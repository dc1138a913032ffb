import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';

const levels: Record<string, LogLevel> = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };

/** Said once per seam-gpu worker, by design (workflow tasks run on seam-cpu): not worth a warning line. */
const EXPECTED = ['No workflows registered, not polling for workflow tasks'];

/**
 * The Temporal SDK logs every worker state change at INFO; follow
 * SEAMFLOW_LOG_LEVEL but one step quieter by default, so a worker's output
 * is its own. Must run before the first Worker or NativeConnection.
 */
export function installTemporalLogging(level = process.env.SEAMFLOW_LOG_LEVEL ?? 'warn'): void {
  try {
    const plain = new DefaultLogger(levels[level] ?? 'WARN');
    const logger = new DefaultLogger(levels[level] ?? 'WARN', (entry: LogEntry) => {
      if (!EXPECTED.some((m) => entry.message.startsWith(m))) plain.log(entry.level, entry.message, entry.meta);
    });
    Runtime.install({ logger });
  } catch {
    // Already installed in this process (tests, embedded mode): keep the first choice.
  }
}
