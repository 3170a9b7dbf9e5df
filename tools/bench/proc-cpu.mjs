/**
 * CPU time of processes from Linux's /proc, for the bench's "CPU ms per request" columns.
 * Every reader answers NaN where /proc is missing.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ, the unit of /proc/<pid>/stat times on Linux

/** The fields of /proc/<pid>/stat after the command name, as numbers: index 0 is the state. */
function statFields(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
}

const ms = (ticks) => (ticks * 1000) / TICKS_PER_SECOND;

/**
 * CPU time (user + system, every thread) of a process and its descendants, in ms. With
 * `--workers`, the server's work is in its child processes.
 */
export function cpuMsOf(pid) {
  try {
    const f = statFields(pid);
    let total = ms(f[11] + f[12]);
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      for (const child of children ? children.split(' ') : []) total += cpuMsOf(Number(child)) || 0;
    }
    return total;
  } catch {
    return Number.NaN;
  }
}

/** CPU ms of this process's finished child processes (cutime + cstime). */
export function finishedChildrenCpuMs() {
  try {
    const f = statFields('self');
    return ms(f[13] + f[14]);
  } catch {
    return Number.NaN;
  }
}
