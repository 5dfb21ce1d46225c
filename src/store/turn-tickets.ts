/**
 * Conversations' turns in arrival order across `serve` instances (PostgreSQL): a turn takes a ticket
 * (an ascending id) when it arrives and waits until no earlier ticket of its conversation is held by a
 * live instance; it gives the ticket back when done. Tickets of dead instances are skipped (and swept
 * by instances.ts), so a crash never blocks a conversation for longer than INSTANCE_EXPIRY_MS.
 */
import { instanceAlive } from './instances.js';
import type { Store } from './open-store.js';
import { statement, withDbNow } from './statement.js';

// PostgreSQL only (a data-modifying WITH), like every use of tickets. The conversation's line row is
// locked until the statement commits and the ticket's number is drawn after the lock is held, so the
// numbers of one conversation are handed out in commit order: a turn looking for earlier tickets (in
// its next statement) sees every one of them.
const TAKE = statement(
  'WITH line AS (INSERT INTO turn_lines (session_id, turns) VALUES (?, 1) ON CONFLICT (session_id) DO UPDATE SET turns = turn_lines.turns + 1 RETURNING session_id) ' +
    'INSERT INTO turn_tickets (session_id, owner, created_at) SELECT session_id, ?, ? FROM line RETURNING id',
);
const EARLIER = withDbNow(`SELECT id FROM turn_tickets t WHERE t.session_id = ? AND t.id < ? AND ${instanceAlive('t.owner')} ORDER BY t.id LIMIT 1`);
const GIVE_BACK = statement('DELETE FROM turn_tickets WHERE id = ?');

export async function takeTicket(store: Store, sessionId: string, owner: string): Promise<number> {
  const row = await store.readOne<{ id: number | string }>(TAKE, [sessionId, owner, new Date().toISOString()]);
  return Number(row!.id);
}

/** The earliest ticket of the conversation still ahead of `id` (held by a live instance), if any. */
export async function ticketAhead(store: Store, sessionId: string, id: number): Promise<number | undefined> {
  const row = await store.readOne<{ id: number | string }>(EARLIER, [sessionId, id]);
  return row && Number(row.id);
}

export async function giveBackTicket(store: Store, id: number): Promise<void> {
  await store.run(GIVE_BACK, [id]);
}
