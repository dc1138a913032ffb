import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

const levels: Record<string, LogLevel> = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };

/**
 * The Temporal SDK logs every worker state change at INFO; follow
 * SEAMFLOW_LOG_LEVEL but one step quieter by default, so a worker's output
 * is its own. Must run before the first Worker or NativeConnection.
 */
export function installTemporalLogging(level = process.env.SEAMFLOW_LOG_LEVEL ?? 'warn'): void {
  try {
    Runtime.install({ logger: new DefaultLogger(levels[level] ?? 'WARN') });
  } catch {
    // Already installed in this process (tests, embedded mode): keep the first choice.
  }
}
