/**
 * Memory and CPU of processes, read from /proc (Linux), for the load run: RSS, CPU seconds (user + system),
 * and the members of a process group (serverless-offline leads its own, with esbuild's service in it).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** The kernel's clock ticks per second (USER_HZ), in which /proc/<pid>/stat counts CPU time. */
const CLOCK_TICKS_PER_SECOND = 100;

/** Resident memory of a process in bytes; 0 once it has ended. */
export function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** The fields of /proc/<pid>/stat after the command name (field 3, the state, first); [] once it has ended. */
function statFields(pid: number | string): string[] {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return [];
  }
}

/** CPU seconds (user + system) a process has used so far; 0 once it has ended. */
export function cpuSecondsOf(pid: number): number {
  const fields = statFields(pid);
  if (fields.length === 0) return 0;
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** Every live process of a process group. */
export function groupPids(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (fields.length > 0 && Number(fields[2]) === pgid) pids.push(Number(entry));
  }
  return pids;
}

/** The 1-minute load average, from /proc/loadavg. */
export function loadAverage(): number {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return Number.NaN;
  }
}

/** Busy CPU seconds of the whole machine so far (every core, every process), from /proc/stat. */
export function machineBusySeconds(): number {
  const fields =
    readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return (fields.reduce((sum, n) => sum + n, 0) - idle) / CLOCK_TICKS_PER_SECOND;
}
