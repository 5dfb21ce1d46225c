/**
 * Every key claimed under one caller's key (one per chunk of a text), with what each stands for and
 * how it ended: read when a claim was refused, to tell "this key was used for another message" from
 * "this message was split another way before" (messaging/chunk-layout.ts). Never on the way of a
 * send that goes through, so it may load the query builder.
 */
import type { Store } from './open-store.js';
import type { IdempotencyKeysTable } from './tables.js';

export type RequestKeyRow = Pick<IdempotencyKeysTable, 'key' | 'state' | 'fingerprint' | 'result' | 'request' | 'sid' | 'settled_at' | 'created_at'>;

export async function keysOfRequest(store: Store, requestKey: string): Promise<RequestKeyRow[]> {
  const db = await store.queryBuilder();
  return db.selectFrom('idempotency_keys').select(['key', 'state', 'fingerprint', 'result', 'request', 'sid', 'settled_at', 'created_at']).where('request_key', '=', requestKey).execute();
}
