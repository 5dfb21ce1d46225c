/** Whether a process with this id runs on this machine. */
export function processRuns(pid: number): boolean {
  try {
    // Signal 0 only asks whether the process exists (on Windows too).
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
