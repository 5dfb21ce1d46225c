/**
 * Idempotency keys: written `pending` with the request before an outbound action, settled with its
 * result after. A pending key found later means the process stopped in between: reconcile first.
 */
import type { Store } from './open-store.js';
import type { IdempotencyKeysTable } from './tables.js';

export type KeyRow = IdempotencyKeysTable;

export async function findKey(store: Store, key: string): Promise<KeyRow | undefined> {
  return store.db.selectFrom('idempotency_keys').selectAll().where('key', '=', key).executeTakeFirst();
}

/** Records the key as pending; true when this call created it (false: it existed already). */
export async function beginKey(store: Store, key: string, scope: string, request: unknown): Promise<boolean> {
  const res = await store.db
    .insertInto('idempotency_keys')
    .values({ key, scope, request: JSON.stringify(request), state: 'pending', result: null, created_at: new Date().toISOString(), settled_at: null })
    .onConflict((oc) => oc.column('key').doNothing())
    .executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Re-arms a key whose earlier attempt failed for good, so it can be tried again. */
export async function retryKey(store: Store, key: string, request: unknown): Promise<void> {
  await store.db.updateTable('idempotency_keys').set({ state: 'pending', request: JSON.stringify(request), result: null, settled_at: null, created_at: new Date().toISOString() }).where('key', '=', key).execute();
}

export async function settleKey(store: Store, key: string, result: unknown): Promise<void> {
  await store.db.updateTable('idempotency_keys').set({ state: 'settled', result: JSON.stringify(result), settled_at: new Date().toISOString() }).where('key', '=', key).execute();
}

export async function failKey(store: Store, key: string, result: unknown): Promise<void> {
  await store.db.updateTable('idempotency_keys').set({ state: 'failed', result: JSON.stringify(result), settled_at: new Date().toISOString() }).where('key', '=', key).execute();
}

/** Whether some settled key already claims this SID (reconciliation must not give one SID to two keys). */
export async function sidIsClaimed(store: Store, sid: string): Promise<boolean> {
  const row = await store.db.selectFrom('idempotency_keys').select('key').where('state', '=', 'settled').where('result', 'like', `%"sid":"${sid}"%`).executeTakeFirst();
  return row !== undefined;
}
