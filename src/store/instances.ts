/**
 * The running `serve` instances sharing a store: one row each, refreshed from a heartbeat in the
 * database's clock, so every machine agrees on who is alive. An instance not seen for INSTANCE_EXPIRY_MS
 * is dead: its claimed webhooks can be taken over and its place in conversations' queues is skipped.
 * Fixed statements: the heartbeat runs every few seconds for weeks.
 */
import type { Store } from './open-store.js';
import { NOW_MS, statement, withDbNow } from './statement.js';
import type { InstancesTable } from './tables.js';

/** How often an instance says it is alive. */
export const HEARTBEAT_MS = 2_000;
/** Not seen for this long: dead (five missed beats, so a busy event loop or a slow query does not kill it). */
export const INSTANCE_EXPIRY_MS = 10_000;
/** Dead instances' rows are kept this long (doctor can still name them), then deleted. */
const FORGET_AFTER_MS = 10 * 60_000;

/** SQL true when the instance named by `column` is alive, for the queries of other tables. */
export const instanceAlive = (column: string) => `EXISTS (SELECT 1 FROM instances i WHERE i.id = ${column} AND i.last_seen > {now} - ${INSTANCE_EXPIRY_MS})`;

const JOIN = withDbNow(
  'INSERT INTO instances (id, host, pid, started_at, version, url, public_url, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, {now}) ' +
    'ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, url = excluded.url, public_url = excluded.public_url',
);
const BEAT = withDbNow('UPDATE instances SET last_seen = {now} WHERE id = ?');
const LEAVE = statement('DELETE FROM instances WHERE id = ?');
const FORGET_DEAD = withDbNow(`DELETE FROM instances WHERE last_seen < {now} - ${FORGET_AFTER_MS}`);
// Tickets of instances that are gone, or dead: nobody will finish those turns.
const DROP_ORPHAN_TICKETS = withDbNow(`DELETE FROM turn_tickets WHERE NOT ${instanceAlive('turn_tickets.owner')}`);
// Lines with no ticket: only a lock row; one taken again later is simply inserted anew.
const DROP_IDLE_LINES = statement('DELETE FROM turn_lines WHERE NOT EXISTS (SELECT 1 FROM turn_tickets t WHERE t.session_id = turn_lines.session_id)');

// Webhooks a dead instance claimed and never answered: Twilio sends a text's webhook again only when a
// connection override or the fallback URL asks for it, so without this nobody would say the text was
// lost. Each is reported once: the owner is cleared in the same statement (a later delivery still takes
// it over, as one released after a failure), so two instances sweeping at once cannot both report it.
const REPORT_ORPHANED = withDbNow(
  `UPDATE processed_webhooks SET owner = NULL WHERE response_status = 0 AND owner IS NOT NULL AND NOT ${instanceAlive('processed_webhooks.owner')} RETURNING key, route`,
);

/** A webhook claimed by an instance that died before answering it. */
export interface OrphanedWebhook {
  key: string;
  route: string;
}

export type InstanceInfo = Omit<InstancesTable, 'last_seen'>;
export type LiveInstance = InstancesTable & { seen_ms_ago: number };

export async function joinInstances(store: Store, info: InstanceInfo): Promise<void> {
  await store.run(JOIN, [info.id, info.host, info.pid, info.started_at, info.version, info.url, info.public_url]);
}

/** Refreshes the instance's row; false when it was gone (forgotten after a long stall), so the caller joins again. */
export async function beat(store: Store, id: string): Promise<boolean> {
  return (await store.run(BEAT, [id])) > 0;
}

export async function leaveInstances(store: Store, id: string): Promise<void> {
  await store.run(LEAVE, [id]);
}

/**
 * Deletes what dead instances left behind: their rows after a while, their turn tickets at once; and
 * returns the webhooks they claimed and never answered (each once, see REPORT_ORPHANED).
 */
export async function forgetDeadInstances(store: Store): Promise<OrphanedWebhook[]> {
  await store.run(DROP_ORPHAN_TICKETS, []);
  await store.run(DROP_IDLE_LINES, []);
  const orphaned = await store.readMany<OrphanedWebhook>(REPORT_ORPHANED, []);
  await store.run(FORGET_DEAD, []);
  return orphaned;
}

/** The instances alive now, oldest first (doctor; not a hot path, so through the query builder). */
export async function liveInstances(store: Store): Promise<LiveInstance[]> {
  // Loaded here: `send` reaches this module (outbound media asks for serve's URL), and Kysely's
  // evaluation was the largest part of a one-message send's start-up. Through query-builder.ts, which
  // the send bundle keeps in a file of its own with Kysely.
  const { sql } = await import('./query-builder.js');
  const now = sql.raw(NOW_MS[store.dialect]);
  const { rows } = await sql<InstancesTable & { db_now: number | string }>`SELECT *, ${now} AS db_now FROM instances WHERE last_seen > ${now} - ${INSTANCE_EXPIRY_MS} ORDER BY started_at, id`.execute(await store.queryBuilder());
  // PostgreSQL returns BIGINT as text.
  return rows.map(({ db_now, ...row }) => ({ ...row, pid: Number(row.pid), last_seen: Number(row.last_seen), seen_ms_ago: Number(db_now) - Number(row.last_seen) }));
}
