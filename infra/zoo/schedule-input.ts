/**
 * What `seamflow schedule` checks before it talks to Temporal: schedule names,
 * cron expressions (standard five fields, or an @alias) and ISO dates. Pure,
 * so a bad cron or date is refused with a clear message and nothing created.
 */

export class ScheduleInputError extends Error {
  override name = 'ScheduleInputError';
}

export const SCHEDULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function validateScheduleName(name: string): string {
  if (!SCHEDULE_NAME.test(name)) {
    throw new ScheduleInputError(`schedule name ${JSON.stringify(name)}: use letters, digits, "_" and "-" (at most 64, starting with a letter or digit)`);
  }
  return name;
}

const ALIASES = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const FIELDS: { name: string; min: number; max: number; names?: string[]; nameBase?: number }[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { name: 'day of week', min: 0, max: 6, names: DAYS, nameBase: 0 },
];

/** Checks a cron expression ("MIN HOUR DOM MON DOW", lists, ranges, steps, names; or @daily etc.) and returns it trimmed. */
export function validateCron(expr: string): string {
  const text = expr.trim().replace(/\s+/g, ' ');
  const fail = (why: string): never => {
    throw new ScheduleInputError(`cron "${expr}": ${why}`);
  };
  if (text === '') fail('empty; expected five fields "MIN HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK", e.g. "0 2 * * *"');
  if (text.startsWith('@')) {
    if (ALIASES.includes(text.toLowerCase())) return text;
    if (/^@every \d+(ms|s|m|h)(\d+(ms|s|m|h))*$/.test(text)) return text;
    fail(`unknown alias; known: ${ALIASES.join(', ')}, @every <duration such as 30m>`);
  }
  const parts = text.split(' ');
  if (parts.length !== 5) fail(`expected five fields "MIN HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK" (e.g. "0 2 * * *"), got ${parts.length}`);
  parts.forEach((part, i) => {
    const f = FIELDS[i]!;
    const value = (s: string): number => {
      const upper = s.toUpperCase();
      const named = f.names?.indexOf(upper) ?? -1;
      if (named >= 0) return named + (f.nameBase ?? 0);
      if (!/^\d+$/.test(s)) fail(`${f.name} field "${part}": "${s}" is not a number${f.names ? ` or a name (${f.names.join(', ')})` : ''}`);
      const n = Number(s);
      if (n < f.min || n > f.max) fail(`${f.name} field "${part}": ${n} is outside ${f.min}-${f.max}`);
      return n;
    };
    for (const item of part.split(',')) {
      if (item === '') fail(`${f.name} field "${part}": empty list item`);
      const [range, step, more] = item.split('/');
      if (more !== undefined) fail(`${f.name} field "${part}": more than one "/"`);
      if (step !== undefined && (!/^\d+$/.test(step) || Number(step) < 1)) fail(`${f.name} field "${part}": step "${step}" must be a whole number >= 1`);
      if (range === '*' || range === '?') continue;
      const [a, b, extra] = range!.split('-');
      if (extra !== undefined) fail(`${f.name} field "${part}": bad range "${range}"`);
      const lo = value(a!);
      if (b !== undefined && value(b) < lo) fail(`${f.name} field "${part}": range "${range}" runs backwards`);
    }
  });
  return text;
}

/** An ISO 8601 date or date-time (e.g. 2024-05-01 or 2024-05-01T02:00:00Z); a time without a zone is taken as UTC. */
export function parseIsoDate(flag: string, s: string | undefined): Date {
  if (s === undefined || s.trim() === '') throw new ScheduleInputError(`--${flag} is required (an ISO date such as 2024-05-01T00:00:00Z)`);
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(s.trim());
  if (!m) throw new ScheduleInputError(`--${flag} "${s}": expected an ISO date such as 2024-05-01 or 2024-05-01T02:00:00Z`);
  const [, y, mo, d, h, mi] = m;
  const text = m[4] === undefined ? `${y}-${mo}-${d}T00:00:00Z` : m[7] === undefined ? `${s.trim().replace(' ', 'T')}Z` : s.trim().replace(' ', 'T');
  const date = new Date(text);
  // Date accepts 2024-02-31 by rolling over: refuse days and times that do not exist.
  if (Number.isNaN(date.getTime()) || Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > new Date(Date.UTC(Number(y), Number(mo), 0)).getUTCDate() || Number(h ?? 0) > 23 || Number(mi ?? 0) > 59) {
    throw new ScheduleInputError(`--${flag} "${s}": not a real date`);
  }
  return date;
}

/** A backfill range: both ends valid, from before to, and not in the future. */
export function backfillRange(from: string | undefined, to: string | undefined, now: Date): { start: Date; end: Date } {
  const start = parseIsoDate('from', from);
  const end = parseIsoDate('to', to);
  if (start.getTime() >= end.getTime()) throw new ScheduleInputError(`--from ${start.toISOString()} must be before --to ${end.toISOString()}`);
  if (end.getTime() > now.getTime()) throw new ScheduleInputError(`--to ${end.toISOString()} is in the future; a backfill replays past times only`);
  return { start, end };
}
