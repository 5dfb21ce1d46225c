/**
 * Conversations and their turns: one turn at a time per conversation (so replies keep their order),
 * and at most maxConcurrentSessions conversations with turns running or queued at once; a new one
 * beyond that waits for a free slot. Only live conversations are kept, so the registry stays bounded.
 */
export interface SessionRegistry {
  /** Runs `work` after the conversation's earlier turns. */
  run<T>(sessionId: string, work: () => Promise<T>): Promise<T>;
  /** Conversations holding a slot now. */
  active(): number;
  /** Conversations waiting for a slot. */
  waiting(): number;
}

export function createSessionRegistry(maxConcurrent: number): SessionRegistry {
  const tails = new Map<string, Promise<unknown>>();
  const queue: (() => void)[] = [];
  let active = 0;
  const acquire = () =>
    active < maxConcurrent
      ? (active++, Promise.resolve())
      : new Promise<void>((resolve) => queue.push(() => (active++, resolve())));
  const release = () => {
    active--;
    queue.shift()?.();
  };
  return {
    run(sessionId, work) {
      const previous = tails.get(sessionId);
      // A conversation takes its slot with its first turn and keeps it while turns follow.
      const ready = previous ? previous.then(noop, noop) : acquire();
      const next = ready.then(work);
      tails.set(sessionId, next);
      const settled = () => {
        if (tails.get(sessionId) !== next) return;
        tails.delete(sessionId);
        release();
      };
      next.then(settled, settled);
      return next;
    },
    active: () => active,
    waiting: () => queue.length,
  };
}

const noop = () => undefined;
