/**
 * Conversations' turns in arrival order across `serve` instances (PostgreSQL): a turn takes a ticket
 * (an ascending id) when it arrives and waits until no earlier ticket of its conversation is held by a
 * live instance; it gives the ticket back when done. Tickets of dead instances are skipped (and swept
 * by instances.ts), so a crash never blocks a conversation for longer than INSTANCE_EXPIRY_MS.
 */
import { instanceAlive } from './instances.js';
import type { Store } from './open-store.js';
import { statement, withDbNow } from './statement.js';

const TAKE = statement('INSERT INTO turn_tickets (session_id, owner, created_at) VALUES (?, ?, ?) RETURNING id');
const EARLIER = withDbNow(`SELECT owner FROM turn_tickets t WHERE t.session_id = ? AND t.id < ? AND ${instanceAlive('t.owner')} ORDER BY t.id LIMIT 1`);
const GIVE_BACK = statement('DELETE FROM turn_tickets WHERE id = ?');

export async function takeTicket(store: Store, sessionId: string, owner: string): Promise<number> {
  const row = await store.readOne<{ id: number | string }>(TAKE, [sessionId, owner, new Date().toISOString()]);
  return Number(row!.id);
}

/** The owner of the earliest ticket of the conversation still ahead of `id`, if any. */
export async function ticketAhead(store: Store, sessionId: string, id: number): Promise<string | undefined> {
  return (await store.readOne<{ owner: string }>(EARLIER, [sessionId, id]))?.owner;
}

export async function giveBackTicket(store: Store, id: number): Promise<void> {
  await store.run(GIVE_BACK, [id]);
}
