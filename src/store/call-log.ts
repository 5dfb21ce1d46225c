/** The calls the tool placed or received: one row per call, its latest status from the status callbacks. */
import type { Store } from './open-store.js';
import { statement } from './statement.js';
import type { CallsTable } from './tables.js';

// A call seen again (its next status callback) keeps its first row and takes the new status and duration.
const UPSERT_CALL = statement(
  'INSERT INTO calls (sid, direction, from_number, to_number, status, duration_seconds, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ' +
    'ON CONFLICT (sid) DO UPDATE SET status = excluded.status, duration_seconds = COALESCE(excluded.duration_seconds, calls.duration_seconds), updated_at = excluded.updated_at',
);

export async function recordCall(store: Store, row: Omit<CallsTable, 'created_at' | 'updated_at'>): Promise<void> {
  const now = new Date().toISOString();
  await store.write(UPSERT_CALL, [row.sid, row.direction, row.from_number, row.to_number, row.status, row.duration_seconds, now, now]);
}
