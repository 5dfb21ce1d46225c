/**
 * Idempotency keys: claimed `pending` with the request before an outbound action, settled with its
 * result after. A claim carries an owner and a lease in the database's clock, so every process that
 * shares the store agrees on who is working on a key: a live lease means "another run is on it", an
 * expired one means its owner died between the request and the settle, and whoever takes it over
 * reconciles before sending. Fixed statements, no query builder: this runs for every message.
 */
import type { Store } from './open-store.js';
import { NOW_MS, type Param, statement, statementPair } from './statement.js';
import type { IdempotencyKeysTable } from './tables.js';

export type KeyRow = IdempotencyKeysTable & { db_now: number };

/** What is claimed: one outbound action under its key. */
export interface KeyRequest {
  key: string;
  /** The caller's key (equal to `key` unless the action is one chunk of several). */
  requestKey: string;
  scope: string;
  request: unknown;
  fingerprint: string;
}

const both = (sql: string) => statementPair(sql.replaceAll('{now}', NOW_MS.sqlite), sql.replaceAll('{now}', NOW_MS.postgres));

// The insert is skipped when the caller's key already stands for different parameters (another chunk
// count of another body, say); the caller then finds that row with FIND_CONFLICT.
const CLAIM_NEW = both(
  'INSERT INTO idempotency_keys (key, request_key, scope, request, fingerprint, state, result, sid, owner, lease_until, created_at, settled_at) ' +
    "SELECT ?, ?, ?, ?, ?, 'pending', NULL, NULL, ?, {now} + CAST(? AS BIGINT), ?, NULL " +
    'WHERE NOT EXISTS (SELECT 1 FROM idempotency_keys WHERE request_key = ? AND fingerprint <> ?) ON CONFLICT (key) DO NOTHING',
);
const FIND = both('SELECT *, {now} AS db_now FROM idempotency_keys WHERE key = ?');
const FIND_CONFLICT = both('SELECT *, {now} AS db_now FROM idempotency_keys WHERE request_key = ? AND fingerprint <> ? ORDER BY created_at LIMIT 1');
// Taking over a pending key whose owner stopped renewing (or that predates leases).
const TAKE_OVER = both("UPDATE idempotency_keys SET owner = ?, lease_until = {now} + CAST(? AS BIGINT) WHERE key = ? AND state = 'pending' AND (lease_until IS NULL OR lease_until < {now})");
// Taking over a pending key from one owner known to be gone (its process no longer exists), lease or
// not: a compare-and-swap on the owner, so of several runs that found it gone exactly one gets it.
const TAKE_OVER_FROM = both("UPDATE idempotency_keys SET owner = ?, lease_until = {now} + CAST(? AS BIGINT) WHERE key = ? AND state = 'pending' AND owner = ?");
// A key whose last attempt failed for good may be tried again, by one claimant.
const REARM_FAILED = both(
  "UPDATE idempotency_keys SET state = 'pending', result = NULL, settled_at = NULL, sid = NULL, created_at = ?, owner = ?, lease_until = {now} + CAST(? AS BIGINT) WHERE key = ? AND state = 'failed'",
);
const RENEW_ONE = both("UPDATE idempotency_keys SET lease_until = {now} + CAST(? AS BIGINT) WHERE key = ? AND owner = ? AND state = 'pending'");
const RENEW_ALL = both("UPDATE idempotency_keys SET lease_until = {now} + CAST(? AS BIGINT) WHERE owner = ? AND state = 'pending'");
const RELEASE_ONE = statement("UPDATE idempotency_keys SET owner = NULL, lease_until = 0 WHERE key = ? AND owner = ? AND state = 'pending'");
const RELEASE_ALL = statement("UPDATE idempotency_keys SET owner = NULL, lease_until = 0 WHERE owner = ? AND state = 'pending'");
// Only a fresh claim (never sent, never taken over) is withdrawn: a taken-over key may have gone out.
const WITHDRAW = statement("DELETE FROM idempotency_keys WHERE key = ? AND owner = ? AND state = 'pending'");
const SETTLE = statement("UPDATE idempotency_keys SET state = 'settled', result = ?, sid = ?, settled_at = ? WHERE key = ?");
const FAIL = statement("UPDATE idempotency_keys SET state = 'failed', result = ?, settled_at = ? WHERE key = ?");
const SID_CLAIMED = statement("SELECT key FROM idempotency_keys WHERE sid = ? AND state = 'settled'");

/** PostgreSQL returns BIGINT as text. */
const withNumbers = (row: KeyRow | undefined): KeyRow | undefined => row && { ...row, lease_until: row.lease_until === null ? null : Number(row.lease_until), db_now: Number(row.db_now) };

export async function findKey(store: Store, key: string): Promise<KeyRow | undefined> {
  return withNumbers(await store.readOne<KeyRow>(FIND, [key]));
}

/** A row that already holds the caller's key for different parameters, if any. */
export async function findConflict(store: Store, requestKey: string, fingerprint: string): Promise<KeyRow | undefined> {
  return withNumbers(await store.readOne<KeyRow>(FIND_CONFLICT, [requestKey, fingerprint]));
}

/** Claims a new key for `owner`; false when the key exists or the caller's key is taken by other parameters. */
export async function claimNewKey(store: Store, req: KeyRequest, owner: string, leaseMs: number): Promise<boolean> {
  const params: Param[] = [req.key, req.requestKey, req.scope, JSON.stringify(req.request), req.fingerprint, owner, leaseMs, new Date().toISOString(), req.requestKey, req.fingerprint];
  return (await store.run(CLAIM_NEW, params)) > 0;
}

/** Takes over a pending key whose lease has run out; true when this owner now holds it. */
export async function takeOverKey(store: Store, key: string, owner: string, leaseMs: number): Promise<boolean> {
  return (await store.run(TAKE_OVER, [owner, leaseMs, key])) > 0;
}

/** Takes over a pending key still held by `deadOwner`, whose process is gone; true when this owner now holds it. */
export async function takeOverKeyFrom(store: Store, key: string, deadOwner: string, owner: string, leaseMs: number): Promise<boolean> {
  return (await store.run(TAKE_OVER_FROM, [owner, leaseMs, key, deadOwner])) > 0;
}

/** Re-arms a key whose earlier attempt failed for good, so it can be tried again; true when this owner got it. */
export async function rearmFailedKey(store: Store, key: string, owner: string, leaseMs: number): Promise<boolean> {
  return (await store.run(REARM_FAILED, [new Date().toISOString(), owner, leaseMs, key])) > 0;
}

/** Extends the lease on one key; false when the owner no longer holds it. */
export async function renewKey(store: Store, key: string, owner: string, leaseMs: number): Promise<boolean> {
  return (await store.run(RENEW_ONE, [leaseMs, key, owner])) > 0;
}

/** Extends the lease on every key the owner holds. */
export async function renewOwnerKeys(store: Store, owner: string, leaseMs: number): Promise<void> {
  await store.run(RENEW_ALL, [leaseMs, owner]);
}

/** Lets go of a pending key (its outcome is unknown) so the next claimant reconciles it at once. */
export async function releaseKey(store: Store, key: string, owner: string): Promise<void> {
  await store.run(RELEASE_ONE, [key, owner]);
}

/** Removes a pending key this owner claimed and never sent: the next run claims it afresh, nothing to reconcile. */
export async function withdrawKey(store: Store, key: string, owner: string): Promise<void> {
  await store.run(WITHDRAW, [key, owner]);
}

export async function releaseOwnerKeys(store: Store, owner: string): Promise<void> {
  await store.run(RELEASE_ALL, [owner]);
}

export async function settleKey(store: Store, key: string, sid: string, result: unknown): Promise<void> {
  await store.write(SETTLE, [JSON.stringify(result), sid, new Date().toISOString(), key]);
}

export async function failKey(store: Store, key: string, result: unknown): Promise<void> {
  await store.write(FAIL, [JSON.stringify(result), new Date().toISOString(), key]);
}

/** Whether some settled key already claims this SID (reconciliation must not give one SID to two keys). */
export async function sidIsClaimed(store: Store, sid: string): Promise<boolean> {
  return (await store.readOne(SID_CLAIMED, [sid])) !== undefined;
}
