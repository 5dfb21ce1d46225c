/** The messages the tool sent or received, for history and for "never messaged before" checks. */
import { FINAL_RANK, rankSql } from './delivery-status.js';
import { appendEvent, type AuditEvent, eventsParam, INSERT_EVENTS_POSTGRES } from './events.js';
import type { Store } from './open-store.js';
import { statement } from './statement.js';
import type { MessagesTable } from './tables.js';

// A message seen again keeps its first row. Its state only moves forward (a status callback may have
// stored a later one before the send settled: see delivery-status.ts), and a row a callback created
// under the SID alone takes its numbers and body from here.
const UPSERT_MESSAGE_SQL =
  'INSERT INTO messages (sid, account_sid, direction, from_number, to_number, body, status, num_segments, error_code, refused, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ' +
    "ON CONFLICT (sid) DO UPDATE SET from_number = CASE WHEN messages.from_number = '' THEN excluded.from_number ELSE messages.from_number END, " +
    "to_number = CASE WHEN messages.to_number = '' THEN excluded.to_number ELSE messages.to_number END, " +
    "body = CASE WHEN messages.body = '' THEN excluded.body ELSE messages.body END, " +
    'num_segments = COALESCE(messages.num_segments, excluded.num_segments), ' +
    `status = CASE WHEN ${rankSql('excluded.status')} > ${rankSql('messages.status')} AND ${rankSql('messages.status')} < ${FINAL_RANK} THEN excluded.status ELSE messages.status END, ` +
    'error_code = COALESCE(messages.error_code, excluded.error_code), refused = COALESCE(messages.refused, excluded.refused), updated_at = excluded.updated_at';
const UPSERT_MESSAGE = statement(UPSERT_MESSAGE_SQL);
// PostgreSQL: the message and its audit events in one statement (a data-modifying WITH runs to its end
// whether or not the rest reads it). SQLite has no such WITH; there the writes share one commit anyway.
const UPSERT_MESSAGE_WITH_EVENTS = statement(`WITH message AS (${UPSERT_MESSAGE_SQL}) ${INSERT_EVENTS_POSTGRES}`);

type MessageRow = Omit<MessagesTable, 'created_at' | 'updated_at'>;

function messageParams(row: MessageRow) {
  const now = new Date().toISOString();
  return [row.sid, row.account_sid, row.direction, row.from_number, row.to_number, row.body, row.status, row.num_segments, row.error_code, row.refused ?? null, now, now];
}

export async function recordMessage(store: Store, row: MessageRow): Promise<void> {
  await store.write(UPSERT_MESSAGE, messageParams(row));
}

/** A message and the audit events about it: one round trip on PostgreSQL, one commit on SQLite. */
export async function recordMessageWithEvents(store: Store, row: MessageRow, events: readonly AuditEvent[]): Promise<void> {
  if (store.dialect === 'postgres') {
    await store.write(UPSERT_MESSAGE_WITH_EVENTS, [...messageParams(row), eventsParam(events)]);
    return;
  }
  // Issued together, so they share one commit (store/group-commit.ts).
  await Promise.all([recordMessage(store, row), ...events.map((e) => appendEvent(store, e.kind, e.correlationId, e.data))]);
}

const HAS_MESSAGED = statement("SELECT sid FROM messages WHERE to_number = ? AND direction <> 'inbound' LIMIT 1");

export async function hasMessaged(store: Store, phone: string): Promise<boolean> {
  return (await store.readOne(HAS_MESSAGED, [phone])) !== undefined;
}

/** Why serve refused some of these inbound texts (another number, an inbound limit), by SID; SIDs it took or never saw are absent. */
export async function refusalsFor(store: Store, sids: readonly string[]): Promise<Map<string, string>> {
  if (!sids.length) return new Map();
  const db = await store.queryBuilder();
  const rows = await db.selectFrom('messages').select(['sid', 'refused']).where('sid', 'in', [...sids]).where('refused', 'is not', null).execute();
  return new Map(rows.map((r) => [r.sid, r.refused ?? '']));
}
