/**
 * Stopping a command agent and everything it started. Killing only the direct child leaves its
 * children running (`sh -c 'cat; sleep 47'` kept `sleep` alive, holding our pipes open). On POSIX the
 * child leads its own process group (spawned detached), so the group is signalled at once; on Windows
 * `taskkill /T /F` ends the tree (argv, no shell).
 */
import { type ChildProcess, execFile } from 'node:child_process';

/** Options for spawn so that killTree can reach the whole tree. */
export const TREE_SPAWN_OPTIONS = { detached: process.platform !== 'win32', windowsHide: true } as const;

export function killTree(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) {
    // The leader is gone, but what it started may still run in its group.
    if (pid !== undefined && process.platform !== 'win32') signalGroup(pid);
    return;
  }
  if (process.platform === 'win32') {
    execFile('taskkill', ['/T', '/F', '/PID', String(pid)], { windowsHide: true }, () => {
      // taskkill fails when the tree already ended; nothing is left to do then.
    });
    return;
  }
  signalGroup(pid);
}

function signalGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch (err) {
    // ESRCH: the whole group has exited already.
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}
