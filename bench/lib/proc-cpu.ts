/**
 * CPU seconds a process has used so far (user + system), from /proc on Linux;
 * undefined elsewhere or once it is gone. Lets a bench say which process ate
 * the cores during a run (differences of two readings).
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat: 100 on every Linux the bench runs on (getconf CLK_TCK). */
const TICKS = 100;

export function processCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return undefined;
  }
}
