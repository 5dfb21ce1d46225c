/** How the long-running commands (`sandbox`, `serve`) learn that they should stop. */

/** Resolves on Ctrl-C or a termination request; listening starts at once, before any ready line. */
export function stopRequested(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', ...(process.platform === 'win32' ? (['SIGBREAK'] as NodeJS.Signals[]) : [])];
    const stop = (signal: NodeJS.Signals) => {
      for (const s of signals) process.off(s, stop);
      resolve(signal);
    };
    for (const s of signals) process.on(s, stop);
  });
}
