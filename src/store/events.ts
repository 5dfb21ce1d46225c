/** The audit log: one row per action, with a correlation id that ties related rows together. */
import type { Store } from './open-store.js';
import { statement, statementPair } from './statement.js';

const INSERT_EVENT = statement('INSERT INTO events (at, kind, correlation_id, data) VALUES (?, ?, ?, ?)');
// Many events in one statement: one JSON parameter, an array of [at, kind, correlation_id, data].
const INSERT_EVENTS = statementPair(
  "INSERT INTO events (at, kind, correlation_id, data) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]') FROM json_each(?) ORDER BY key",
  'INSERT INTO events (at, kind, correlation_id, data) SELECT e->>0, e->>1, e->>2, e->>3 FROM json_array_elements(CAST(? AS json)) WITH ORDINALITY AS x(e, n) ORDER BY n',
);

export interface AuditEvent {
  kind: string;
  correlationId: string | null;
  data: Record<string, unknown>;
}

export async function appendEvent(store: Store, kind: string, correlationId: string | null, data: Record<string, unknown>): Promise<void> {
  await store.write(INSERT_EVENT, [new Date().toISOString(), kind, correlationId, JSON.stringify(data)]);
}

/** Appends several events in one statement (one round trip on PostgreSQL), in their order. */
export async function appendEvents(store: Store, events: readonly AuditEvent[]): Promise<void> {
  if (!events.length) return;
  const at = new Date().toISOString();
  await store.write(INSERT_EVENTS, [JSON.stringify(events.map((e) => [at, e.kind, e.correlationId, JSON.stringify(e.data)]))]);
}
