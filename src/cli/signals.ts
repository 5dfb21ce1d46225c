/** How the long-running commands (`sandbox`, `serve`, batch sends) learn that they should stop, and what they exit with. */
import { ExitCode } from '../errors.js';

/** Ctrl-C, a termination request, and on Windows Ctrl-Break (which PowerShell jobs and services send). */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', ...(process.platform === 'win32' ? (['SIGBREAK'] as NodeJS.Signals[]) : [])];

/** Resolves on Ctrl-C or a termination request; listening starts at once, before any ready line. */
export function stopRequested(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const signals = STOP_SIGNALS;
    const stop = (signal: NodeJS.Signals) => {
      for (const s of signals) process.off(s, stop);
      resolve(signal);
    };
    for (const s of signals) process.on(s, stop);
  });
}

/**
 * The exit code after a graceful stop: Ctrl-C (SIGINT, and Ctrl-Break on Windows) is "interrupted",
 * 130, as the README's table says; SIGTERM is a supervisor's ordinary stop, 0.
 */
export function exitCodeAfter(signal: NodeJS.Signals): number {
  return signal === 'SIGTERM' ? ExitCode.ok : ExitCode.interrupted;
}
