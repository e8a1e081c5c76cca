import { readdirSync, readFileSync } from 'node:fs';

/** Infrastructure processes worth watching, by command name. */
const WATCHED = new Set(['java', 'redis-server', 'postgres']);

/**
 * CPU seconds used by named processes (this run's services by pid) and by the shared
 * infrastructure (summed by command name, so every Postgres backend counts), read from /proc.
 * The difference between two readings over a wall-clock span is cores in use.
 */
export function readCpu(pids: Record<string, number | undefined>): Map<string, number> {
  const totals = new Map<string, number>();
  const byPid = new Map(Object.entries(pids).filter(([, pid]) => pid !== undefined).map(([name, pid]) => [pid!, name]));
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const name = byPid.get(Number(entry)) ?? (WATCHED.has(comm) ? comm : undefined);
    if (name === undefined) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, in clock ticks (100 per second on Linux).
    totals.set(name, (totals.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) / 100);
  }
  return totals;
}

/** Cores each process used between two readings taken `seconds` apart. */
export function coresBetween(before: Map<string, number>, after: Map<string, number>, seconds: number): Record<string, number> {
  const cores: Record<string, number> = {};
  for (const [name, total] of after) cores[name] = Math.round(((total - (before.get(name) ?? 0)) / seconds) * 100) / 100;
  return cores;
}
