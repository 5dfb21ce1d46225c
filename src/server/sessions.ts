/**
 * Conversations and their turns: one turn at a time per conversation (so replies keep their order),
 * and at most maxConcurrentSessions conversations with turns running or queued at once; a new one
 * beyond that waits for a free slot. Only live conversations are kept, so the registry stays bounded.
 *
 * With several instances on one PostgreSQL store, a `TurnOrder` (turn-order.ts) extends the order
 * across them: each turn also takes a place in its conversation's line in the store and starts only
 * when every earlier turn, on any instance, is done. On SQLite (one instance) the order here is all.
 */
export interface SessionRegistry {
  /** Runs `work` after the conversation's earlier turns. */
  run<T>(sessionId: string, work: () => Promise<T>): Promise<T>;
  /** Conversations holding a slot now. */
  active(): number;
  /** Conversations waiting for a slot. */
  waiting(): number;
}

/** A turn's place in its conversation's line, shared by every instance. */
export interface TurnTicket {
  /** Resolves when every earlier turn of the conversation is done. */
  ready(): Promise<void>;
  done(): Promise<void>;
}

export interface TurnOrder {
  /** Takes the next place in the conversation's line (the order of calls for one conversation is kept). */
  take(sessionId: string): Promise<TurnTicket>;
}

interface Tail {
  turn: Promise<unknown>;
  ticket?: Promise<TurnTicket>;
}

export function createSessionRegistry(maxConcurrent: number, order?: TurnOrder): SessionRegistry {
  const tails = new Map<string, Tail>();
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
      const ready = previous ? previous.turn.then(noop, noop) : acquire();
      // Its place in the shared line: on arrival when the conversation is live here (right after the
      // previous turn's place), else once it holds a slot. A turn queued for a slot never holds a place
      // that a turn running elsewhere waits for, so instances with full slots cannot wait on each other.
      const ticket = order && (previous?.ticket ?? ready).then(() => order.take(sessionId));
      const next = ready.then(() => (ticket ? inLine(ticket, work) : work()));
      tails.set(sessionId, { turn: next, ticket });
      const settled = () => {
        if (tails.get(sessionId)?.turn !== next) return;
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

async function inLine<T>(ticket: Promise<TurnTicket>, work: () => Promise<T>): Promise<T> {
  const place = await ticket;
  try {
    await place.ready();
    return await work();
  } finally {
    await place.done();
  }
}

const noop = () => undefined;
