/**
 * One conversation's turns in arrival order when several `serve` instances share a PostgreSQL store:
 * the sessions registry (sessions.ts) keeps order within this instance, this keeps it across
 * instances, through tickets in the store (store/turn-tickets.ts). Waiting is polling, starting fast
 * (most turns find nobody ahead) and backing off to a few queries a second.
 */
import type { Store } from '../store/open-store.js';
import { giveBackTicket, takeTicket, ticketAhead } from '../store/turn-tickets.js';
import type { TurnOrder, TurnTicket } from './sessions.js';

const FIRST_LOOK_MS = 20;
const SLOWEST_LOOK_MS = 250;

/** A turn that could not take a ticket (the store failed) runs unordered rather than not at all. */
const UNORDERED: TurnTicket = { ready: async () => undefined, done: async () => undefined };

export function createTurnOrder(store: Store, owner: string, onError: (err: Error) => void): TurnOrder {
  return {
    async take(sessionId) {
      let id: number;
      try {
        id = await takeTicket(store, sessionId, owner);
      } catch (err) {
        onError(err as Error);
        return UNORDERED;
      }
      return {
        async ready() {
          for (let pause = FIRST_LOOK_MS; ; pause = Math.min(pause * 2, SLOWEST_LOOK_MS)) {
            try {
              if ((await ticketAhead(store, sessionId, id)) === undefined) return;
            } catch (err) {
              onError(err as Error);
              return;
            }
            await new Promise((r) => setTimeout(r, pause));
          }
        },
        async done() {
          await giveBackTicket(store, id).catch((err: Error) => onError(err));
        },
      };
    },
  };
}
