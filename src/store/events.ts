/** The audit log: one row per action, with a correlation id that ties related rows together. */
import type { Store } from './open-store.js';
import { statement, statementPair } from './statement.js';

const INSERT_EVENT = statement('INSERT INTO events (at, kind, correlation_id, data) VALUES (?, ?, ?, ?)');
// Many events in one statement: one JSON parameter (eventsParam), an array of [at, kind, correlation_id, data].
/** PostgreSQL's form, its one parameter written `?`: other statements append it to their own (message-log.ts). */
export const INSERT_EVENTS_POSTGRES = 'INSERT INTO events (at, kind, correlation_id, data) SELECT e->>0, e->>1, e->>2, e->>3 FROM json_array_elements(CAST(? AS json)) WITH ORDINALITY AS x(e, n) ORDER BY n';
const INSERT_EVENTS = statementPair(
  "INSERT INTO events (at, kind, correlation_id, data) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]') FROM json_each(?) ORDER BY key",
  INSERT_EVENTS_POSTGRES,
);

export interface AuditEvent {
  kind: string;
  correlationId: string | null;
  data: Record<string, unknown>;
}

export async function appendEvent(store: Store, kind: string, correlationId: string | null, data: Record<string, unknown>): Promise<void> {
  await store.write(INSERT_EVENT, [new Date().toISOString(), kind, correlationId, JSON.stringify(data)]);
}

/** The one parameter of INSERT_EVENTS: the events, stamped now, in their order. */
export function eventsParam(events: readonly AuditEvent[]): string {
  const at = new Date().toISOString();
  return JSON.stringify(events.map((e) => [at, e.kind, e.correlationId, JSON.stringify(e.data)]));
}

/** Appends several events in one statement (one round trip on PostgreSQL), in their order. */
export async function appendEvents(store: Store, events: readonly AuditEvent[]): Promise<void> {
  if (!events.length) return;
  await store.write(INSERT_EVENTS, [eventsParam(events)]);
}
