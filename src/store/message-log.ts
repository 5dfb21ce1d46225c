/** The messages the tool sent or received, for history and for "never messaged before" checks. */
import type { Store } from './open-store.js';
import type { MessagesTable } from './tables.js';

export async function recordMessage(store: Store, row: Omit<MessagesTable, 'created_at' | 'updated_at'>): Promise<void> {
  const now = new Date().toISOString();
  await store.db
    .insertInto('messages')
    .values({ ...row, created_at: now, updated_at: now })
    .onConflict((oc) => oc.column('sid').doUpdateSet({ status: row.status, error_code: row.error_code, updated_at: now }))
    .execute();
}

export async function hasMessaged(store: Store, phone: string): Promise<boolean> {
  const row = await store.db.selectFrom('messages').select('sid').where('to_number', '=', phone).where('direction', '!=', 'inbound').executeTakeFirst();
  return row !== undefined;
}
