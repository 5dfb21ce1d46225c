/**
 * One conversation's turns in arrival order when several `serve` instances share a PostgreSQL store:
 * the sessions registry (sessions.ts) keeps order within this instance, this keeps it across
 * instances, through tickets in the store (store/turn-tickets.ts). Waiting is polling, starting fast
 * (most turns find nobody ahead) and backing off to a few queries a second.
 */
import { HEARTBEAT_MS, INSTANCE_EXPIRY_MS } from '../store/instances.js';
import type { Store } from '../store/open-store.js';
import { giveBackTicket, type TakenTicket, takeTicket, ticketAhead } from '../store/turn-tickets.js';
import type { TurnOrder, TurnTicket } from './sessions.js';

const FIRST_LOOK_MS = 20;
const SLOWEST_LOOK_MS = 250;

/** A turn that could not take a ticket (the store failed) runs unordered rather than not at all. */
const UNORDERED: TurnTicket = { ready: async () => undefined, done: async () => undefined };

/** What a turn waiting for the one ahead allows for that turn's late reply to be sent (its parts at the sender's rate). */
const LATE_REPLY_SENDING_MS = 60_000;

/**
 * How long a turn waits for the one ahead (serve's maxWaitMs): the agent's timeout plus margins for
 * store round trips and an instance's expiry, and for sending a late reply's parts.
 */
export const longestTurnWaitMs = (agentTimeoutMs: number) => agentTimeoutMs + INSTANCE_EXPIRY_MS + LATE_REPLY_SENDING_MS;

export interface TurnOrderOptions {
  /**
   * A turn stops waiting when the turn ahead of it has not finished for this long (serve: the agent's
   * timeout plus a margin), and goes on unordered with a warning: a ticket a live instance never gives
   * back must not block the conversation for ever.
   */
  maxWaitMs: number;
}

export interface StoppableTurnOrder extends TurnOrder {
  /** Stops retrying tickets whose giving back failed (on the way out; the instance's tickets die with its row). */
  stop(): void;
}

export function createTurnOrder(store: Store, owner: string, onError: (err: Error) => void, o: TurnOrderOptions): StoppableTurnOrder {
  const giveBack = createGiveBack(store, onError);
  return {
    async take(sessionId) {
      let taken: TakenTicket;
      try {
        taken = await takeTicket(store, sessionId, owner);
      } catch (err) {
        onError(err as Error);
        return UNORDERED;
      }
      const { id, earlier } = taken;
      // The usual turn, first in its line when it took the ticket, starts without another round trip.
      const ready = earlier ? () => waitForTurnsAhead(store, sessionId, id, o.maxWaitMs, onError) : async () => undefined;
      return { ready, done: () => giveBack.ticket(id) };
    },
    stop: giveBack.stop,
  };
}

/** Resolves when no earlier ticket is held, when the store fails, or when the turn ahead stalled past `maxWaitMs`. */
async function waitForTurnsAhead(store: Store, sessionId: string, id: number, maxWaitMs: number, onError: (err: Error) => void): Promise<void> {
  // The clock restarts whenever the turn ahead changes: a long line that moves is waited for.
  let ahead: number | undefined;
  let since = Date.now();
  for (let pause = FIRST_LOOK_MS; ; pause = Math.min(pause * 2, SLOWEST_LOOK_MS)) {
    try {
      const now = await ticketAhead(store, sessionId, id);
      if (now === undefined) return;
      if (now !== ahead) [ahead, since] = [now, Date.now()];
    } catch (err) {
      onError(err as Error);
      return;
    }
    if (Date.now() - since >= maxWaitMs) {
      onError(new Error(`the turn ahead in the conversation has not finished in ${maxWaitMs} ms; this turn goes on without waiting for it`));
      return;
    }
    await new Promise((r) => setTimeout(r, pause));
  }
}

/** Gives tickets back; one whose giving back failed is retried every heartbeat until it is gone. */
function createGiveBack(store: Store, onError: (err: Error) => void) {
  const failed = new Set<number>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const attempt = async (id: number) => {
    try {
      await giveBackTicket(store, id);
      failed.delete(id);
    } catch (err) {
      if (!failed.has(id)) onError(err as Error); // said once, not every retry
      failed.add(id);
    }
  };
  const retry = async () => {
    timer = undefined;
    for (const id of [...failed]) await attempt(id);
    schedule();
  };
  const schedule = () => {
    if (stopped || timer || failed.size === 0) return;
    timer = setTimeout(() => void retry(), HEARTBEAT_MS);
    timer.unref();
  };
  return {
    async ticket(id: number) {
      await attempt(id);
      schedule();
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
