/**
 * What `serve` must undo, in the reverse order it was done: each start-up step registers its own
 * cleanup as soon as it has something to undo, so a failure at any later step (or a stop request)
 * unwinds exactly what exists. A cleanup that fails is reported and the others still run.
 */
export interface CleanupStack {
  /** Registers `undo` to run when the stack unwinds (last registered, first run). */
  defer(what: string, undo: () => Promise<void> | void): void;
  /** Runs every cleanup once, newest first. */
  unwind(): Promise<void>;
}

export function createCleanupStack(report: (what: string, err: Error) => void): CleanupStack {
  const steps: { what: string; undo: () => Promise<void> | void }[] = [];
  return {
    defer(what, undo) {
      steps.push({ what, undo });
    },
    async unwind() {
      while (steps.length) {
        const { what, undo } = steps.pop()!;
        try {
          await undo();
        } catch (err) {
          report(what, err as Error);
        }
      }
    },
  };
}

/** Thrown by a start-up step when a stop was requested (Ctrl-C, SIGTERM) before serve was up. */
export class StartAborted extends Error {
  constructor() {
    super('serve was stopped while starting');
    this.name = 'StartAborted';
  }
}
