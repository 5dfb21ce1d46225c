/**
 * Conversations' turns in arrival order across `serve` instances (PostgreSQL): a turn takes a ticket
 * (an ascending id) when it arrives and waits until no earlier ticket of its conversation is held by a
 * live instance; it gives the ticket back when done. Tickets of dead instances are skipped (and swept
 * by instances.ts), so a crash never blocks a conversation for longer than INSTANCE_EXPIRY_MS.
 */
import { instanceAlive } from './instances.js';
import type { Store } from './open-store.js';
import { TAKE_TURN_TICKET_FUNCTION } from './migration-023-take-turn-ticket.js';
import { statement, withDbNow } from './statement.js';

// PostgreSQL only, like every use of tickets (migration 023's function). The conversation's line row is
// locked until the statement commits and the ticket's number is drawn after the lock is held, so the
// numbers of one conversation are handed out in commit order: a look for earlier tickets after the
// take (in the function, or any later statement) sees every one of them.
const TAKE = statement(`SELECT ${TAKE_TURN_TICKET_FUNCTION}(?, ?, ?) AS t`);
const EARLIER = withDbNow(`SELECT id FROM turn_tickets t WHERE t.session_id = ? AND t.id < ? AND ${instanceAlive('t.owner')} ORDER BY t.id LIMIT 1`);
const GIVE_BACK = statement('DELETE FROM turn_tickets WHERE id = ?');

/** A ticket just taken; `earlier`: some earlier ticket of the conversation was still there when it was taken. */
export interface TakenTicket {
  id: number;
  earlier: boolean;
}

/**
 * Takes the conversation's next ticket. When no earlier ticket exists then, none can appear later (the
 * numbers are drawn in commit order), so such a turn need not look again before it starts.
 */
export async function takeTicket(store: Store, sessionId: string, owner: string): Promise<TakenTicket> {
  const row = await store.readOne<{ t: { id: number | string; earlier: boolean } }>(TAKE, [sessionId, owner, new Date().toISOString()]);
  return { id: Number(row!.t.id), earlier: row!.t.earlier };
}

/** The earliest ticket of the conversation still ahead of `id` (held by a live instance), if any. */
export async function ticketAhead(store: Store, sessionId: string, id: number): Promise<number | undefined> {
  const row = await store.readOne<{ id: number | string }>(EARLIER, [sessionId, id]);
  return row && Number(row.id);
}

export async function giveBackTicket(store: Store, id: number): Promise<void> {
  await store.run(GIVE_BACK, [id]);
}
