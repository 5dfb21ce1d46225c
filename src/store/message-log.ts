/** The messages the tool sent or received, for history and for "never messaged before" checks. */
import type { Store } from './open-store.js';
import { statement } from './statement.js';
import type { MessagesTable } from './tables.js';

// A message seen again (a status that arrived first, a redelivery) keeps its first row and takes the new status.
const UPSERT_MESSAGE = statement(
  'INSERT INTO messages (sid, account_sid, direction, from_number, to_number, body, status, num_segments, error_code, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ' +
    'ON CONFLICT (sid) DO UPDATE SET status = excluded.status, error_code = excluded.error_code, updated_at = excluded.updated_at',
);

export async function recordMessage(store: Store, row: Omit<MessagesTable, 'created_at' | 'updated_at'>): Promise<void> {
  const now = new Date().toISOString();
  await store.write(UPSERT_MESSAGE, [row.sid, row.account_sid, row.direction, row.from_number, row.to_number, row.body, row.status, row.num_segments, row.error_code, now, now]);
}

export async function hasMessaged(store: Store, phone: string): Promise<boolean> {
  const row = await store.db.selectFrom('messages').select('sid').where('to_number', '=', phone).where('direction', '!=', 'inbound').executeTakeFirst();
  return row !== undefined;
}
