/** The audit log: one row per action, with a correlation id that ties related rows together. */
import type { Store } from './open-store.js';

export async function appendEvent(store: Store, kind: string, correlationId: string | null, data: Record<string, unknown>): Promise<void> {
  await store.db.insertInto('events').values({ at: new Date().toISOString(), kind, correlation_id: correlationId, data: JSON.stringify(data) }).execute();
}
