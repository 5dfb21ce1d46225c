/**
 * Whether no process with this id exists on this machine. Only the system's "no such process" (ESRCH)
 * says so: a process we may not signal (EPERM) exists, and any other answer proves nothing.
 */
export function processIsGone(pid: number): boolean {
  try {
    // Signal 0 only asks whether the process exists (on Windows too).
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
