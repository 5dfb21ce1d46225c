/** Whether a process still runs, for the tests that check what an agent left behind. */
import { existsSync, readFileSync } from 'node:fs';

/** Alive and not a zombie waiting for a parent to reap it (a container's PID 1 may never reap). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = `/proc/${pid}/stat`;
  return !existsSync(stat) || readFileSync(stat, 'utf8').split(') ')[1]?.[0] !== 'Z';
}
