/**
 * Minimal levelled logger on stderr (stdout stays free for command output).
 * Secrets never go through here: callers log names and endpoints, not credentials.
 */
type Level = 'debug' | 'info' | 'warn' | 'error';
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function threshold(): number {
  const lvl = process.env.SEAMFLOW_LOG_LEVEL as Level | undefined;
  return order[lvl ?? 'info'] ?? order.info;
}

function emit(level: Level, scope: string, msg: string): void {
  if (order[level] < threshold()) return;
  process.stderr.write(`[seamflow:${scope}] ${level === 'info' ? '' : `${level}: `}${msg}\n`);
}

export function logger(scope: string) {
  return {
    debug: (m: string) => emit('debug', scope, m),
    info: (m: string) => emit('info', scope, m),
    warn: (m: string) => emit('warn', scope, m),
    error: (m: string) => emit('error', scope, m),
  };
}
