/** The audit log: one row per action, with a correlation id that ties related rows together. */
import type { Store } from './open-store.js';
import { statement } from './statement.js';

const INSERT_EVENT = statement('INSERT INTO events (at, kind, correlation_id, data) VALUES (?, ?, ?, ?)');

export async function appendEvent(store: Store, kind: string, correlationId: string | null, data: Record<string, unknown>): Promise<void> {
  await store.write(INSERT_EVENT, [new Date().toISOString(), kind, correlationId, JSON.stringify(data)]);
}
