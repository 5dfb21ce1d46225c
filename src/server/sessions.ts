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
  /**
   * Takes the turn's place in its conversation's line now (with several instances: a ticket in the
   * store), so the order is the order of arrival even when the turn starts later (an MMS's picture
   * still downloading). Hand the place to `run`, or `leave` it when no turn follows.
   */
  arrive(sessionId: string): TurnPlace;
  /**
   * Runs `work` after the conversation's earlier turns (in its place in line, when one was taken on
   * arrival) and resolves with its result. `after` runs next with that result, still in the turn's
   * place but without its slot: the next turn of the conversation waits for it too (a late reply is
   * sent through the REST API there, so the next turn's reply cannot overtake it).
   */
  run<T>(sessionId: string, work: () => Promise<T>, place?: TurnPlace, after?: (result: T) => Promise<void>): Promise<T>;
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

/** A place taken on arrival; `leave` gives it back (once; later calls do nothing). */
export interface TurnPlace {
  ticket: Promise<TurnTicket>;
  leave(): Promise<void>;
}

interface Tail {
  turn: Promise<unknown>;
}

const NO_WAIT: TurnTicket = { ready: async () => undefined, done: async () => undefined };

export function createSessionRegistry(maxConcurrent: number, order?: TurnOrder): SessionRegistry {
  const tails = new Map<string, Tail>();
  // The last ticket taken per conversation here: tickets are taken one after another, in arrival order.
  const takes = new Map<string, Promise<unknown>>();
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
  const track = <T>(sessionId: string, next: Promise<T>, onSettled: () => void = noop) => {
    tails.set(sessionId, { turn: next });
    const settled = () => {
      if (tails.get(sessionId)?.turn !== next) return;
      tails.delete(sessionId);
      onSettled();
    };
    next.then(settled, settled);
    return next;
  };
  const arrive = (sessionId: string): TurnPlace => {
    if (!order) return { ticket: Promise.resolve(NO_WAIT), leave: async () => undefined };
    const ticket = (takes.get(sessionId) ?? Promise.resolve()).then(() => order.take(sessionId));
    const taken = ticket.then(noop, noop);
    takes.set(sessionId, taken);
    void taken.then(() => takes.get(sessionId) === taken && takes.delete(sessionId));
    let left: Promise<void> | undefined;
    return { ticket, leave: () => (left ??= ticket.then((t) => t.done(), noop)) };
  };
  return {
    arrive,
    run(sessionId, work, place, after) {
      const previous = tails.get(sessionId);
      if (order) {
        // In line across instances: the turn waits for its place without a slot, and takes one only
        // when it is next, so a slot is never held by a turn waiting on another instance, and
        // instances with full slots cannot wait on each other. `after` holds the place, not the slot.
        const mine = place ?? arrive(sessionId);
        const turn = (async () => {
          if (previous) await previous.turn.then(noop, noop);
          await (await mine.ticket).ready();
          await acquire();
          try {
            return await work();
          } finally {
            release();
          }
        })();
        const whole = (after ? turn.then(after) : turn).finally(() => mine.leave());
        track<unknown>(sessionId, whole);
        // Without `after`, resolved once the place is given back too.
        return after ? turn : (whole as typeof turn);
      }
      // One instance: a conversation takes its slot with its first turn and keeps it while turns
      // follow (and while its late reply is sent).
      const turn = (previous ? previous.turn.then(noop, noop) : acquire()).then(work);
      track<unknown>(sessionId, after ? turn.then(after) : turn, release);
      return turn;
    },
    active: () => active,
    waiting: () => queue.length,
  };
}

const noop = () => undefined;
