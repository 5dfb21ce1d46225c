/**
 * Idempotency keys: claimed `pending` with the request before an outbound action, settled with its
 * result after. A claim carries an owner and a lease in the database's clock, so every process that
 * shares the store agrees on who is working on a key: a live lease means "another run is on it", an
 * expired one means its owner died between the request and the settle, and whoever takes it over
 * reconciles before sending. Fixed statements, no query builder: this runs for every message.
 */
import type { Store } from './open-store.js';
import { type Param, NOW_ISO, NOW_MS, statement, statementPair } from './statement.js';
import { CLAIM_NEW_KEY_FUNCTION } from './migration-idempotency-fencing.js';
import { CLAIM_KEY_FUNCTION } from './migration-021-claim-returns-row.js';
import { CLAIM_SETTLED_KEY_FUNCTION } from './migration-022-claim-settled-key.js';
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

// Every time stored for a key comes from the database's clock ({now} in epoch ms, {nowIso} as ISO
// text), never from a process's: runs on machines whose clocks differ must agree on it.
const forDialect = (sql: string, d: 'sqlite' | 'postgres') => sql.replaceAll('{now}', NOW_MS[d]).replaceAll('{nowIso}', NOW_ISO[d]).replaceAll('{greatest}', d === 'sqlite' ? 'MAX' : 'GREATEST');
const both = (sql: string) => statementPair(forDialect(sql, 'sqlite'), forDialect(sql, 'postgres'));

// The insert is skipped when the caller's key already stands for different parameters (another chunk
// count of another body, say); the caller then finds that row with FIND_CONFLICT. That check and the
// insert must be one step: SQLite runs the statement under its one write lock; PostgreSQL runs the
// function of migration-idempotency-fencing.ts, which first locks the caller's key.
const CLAIM_NEW = statementPair(
  forDialect(
    'INSERT INTO idempotency_keys (key, request_key, scope, request, fingerprint, state, result, sid, owner, lease_until, created_at, settled_at) ' +
      "SELECT p.k, p.rk, p.scope, p.req, p.fp, 'pending', NULL, NULL, p.owner, {now} + CAST(p.lease AS BIGINT), {nowIso}, NULL " +
      'FROM (SELECT ? AS k, ? AS rk, ? AS scope, ? AS req, ? AS fp, ? AS owner, ? AS lease) AS p ' +
      'WHERE NOT EXISTS (SELECT 1 FROM idempotency_keys WHERE request_key = p.rk AND fingerprint <> p.fp) ON CONFLICT (key) DO NOTHING',
    'sqlite',
  ),
  `SELECT 1 WHERE ${CLAIM_NEW_KEY_FUNCTION}(?, ?, ?, ?, ?, ?, CAST(? AS BIGINT))`,
);
// A new key claimed already settled, for an action done when claimed (see claimSettledKey): CLAIM_NEW's
// tests and SETTLE's (no settled key has the SID) in one statement; PostgreSQL's function of migration
// 022 takes CLAIM_NEW's lock first.
const CLAIM_SETTLED = statementPair(
  forDialect(
    'INSERT INTO idempotency_keys (key, request_key, scope, request, fingerprint, state, result, sid, owner, lease_until, created_at, settled_at) ' +
      "SELECT p.k, p.rk, p.scope, p.req, p.fp, 'settled', p.result, p.sid, p.owner, {now}, {nowIso}, {nowIso} " +
      'FROM (SELECT ? AS k, ? AS rk, ? AS scope, ? AS req, ? AS fp, ? AS owner, ? AS result, ? AS sid) AS p ' +
      'WHERE NOT EXISTS (SELECT 1 FROM idempotency_keys WHERE request_key = p.rk AND fingerprint <> p.fp) ' +
      "AND NOT EXISTS (SELECT 1 FROM idempotency_keys WHERE sid = p.sid AND state = 'settled') ON CONFLICT (key) DO NOTHING",
    'sqlite',
  ),
  `SELECT 1 WHERE ${CLAIM_SETTLED_KEY_FUNCTION}(?, ?, ?, ?, ?, ?, ?, ?)`,
);
// PostgreSQL: the claim of CLAIM_NEW and, when it did not get the key, the row FIND or FIND_CONFLICT
// would read, in one round trip (migration 021). SQLite runs those statements one after the other:
// there they cost no round trip.
const CLAIM_OR_READ = statement(`SELECT ${CLAIM_KEY_FUNCTION}(?, ?, ?, ?, ?, ?, CAST(? AS BIGINT)) AS c`);
const FIND = both('SELECT *, {now} AS db_now FROM idempotency_keys WHERE key = ?');
const FIND_CONFLICT = both('SELECT *, {now} AS db_now FROM idempotency_keys WHERE request_key = ? AND fingerprint <> ? ORDER BY created_at LIMIT 1');
// Taking over a pending key whose owner stopped renewing (or that predates leases).
const TAKE_OVER = both("UPDATE idempotency_keys SET owner = ?, lease_until = {now} + CAST(? AS BIGINT) WHERE key = ? AND state = 'pending' AND (lease_until IS NULL OR lease_until < {now})");
// Taking over a pending key from one owner known to be gone (its process no longer exists), lease or
// not: a compare-and-swap on the owner, so of several runs that found it gone exactly one gets it.
const TAKE_OVER_FROM = both("UPDATE idempotency_keys SET owner = ?, lease_until = {now} + CAST(? AS BIGINT) WHERE key = ? AND state = 'pending' AND owner = ?");
// A key whose last attempt failed for good may be tried again, by one claimant. Its request time stays:
// FAIL clears it only for a refusal that created nothing, so any other failed key is reconciled first.
const REARM_FAILED = both(
  "UPDATE idempotency_keys SET state = 'pending', result = NULL, settled_at = NULL, sid = NULL, created_at = {nowIso}, owner = ?, lease_until = {now} + CAST(? AS BIGINT) WHERE key = ? AND state = 'failed'",
);
const RENEW_ONE = both("UPDATE idempotency_keys SET lease_until = {now} + CAST(? AS BIGINT) WHERE key = ? AND owner = ? AND state = 'pending'");
// The heartbeat never shortens a lease: a key whose request is in flight holds until its fence (START_REQUEST).
const RENEW_ALL = both("UPDATE idempotency_keys SET lease_until = {greatest}(COALESCE(lease_until, 0), {now} + CAST(? AS BIGINT)) WHERE owner = ? AND state = 'pending'");
// Right before the request leaves: the key says it was requested (the first time counts) and nobody may
// take it over until the request cannot reach Twilio any more (see ClaimOwner.startRequest).
const START_REQUEST = both(
  "UPDATE idempotency_keys SET requested_at = COALESCE(requested_at, {now}), last_request_at = {now}, lease_until = {greatest}(COALESCE(lease_until, 0), {now} + CAST(? AS BIGINT)) WHERE key = ? AND owner = ? AND state = 'pending' RETURNING requested_at",
);
// A request that certainly created nothing (429, no connection), and no earlier one that may have: the key is "never requested" again.
const REQUEST_NOT_MADE = statement("UPDATE idempotency_keys SET requested_at = NULL, answer_lost_at = NULL, last_request_at = NULL WHERE key = ? AND owner = ? AND requested_at = ? AND state = 'pending'");
// The answer to the key's request was lost (the message may have been made): kept for whoever takes the key over.
const ANSWER_LOST = both("UPDATE idempotency_keys SET answer_lost_at = {now} WHERE key = ? AND owner = ? AND state = 'pending'");
// Letting go of a key never shortens the fence of a request made under it (review S2 of session 9): a
// key released with its outcome unknown (the settle or the loss record failed, a stop) is taken over
// once its last request can no longer reach Twilio (START_REQUEST's fence; the lease, if renewed later,
// ends at most LEASE_MS after), so the next owner watches the list as for an answer lost at the
// request's time limit instead of sending after a short look. A key never requested is free at once.
const RELEASE_LEASE = 'lease_until = CASE WHEN last_request_at IS NULL THEN 0 ELSE lease_until END';
const RELEASE_ONE = statement(`UPDATE idempotency_keys SET owner = NULL, ${RELEASE_LEASE} WHERE key = ? AND owner = ? AND state = 'pending'`);
const RELEASE_ALL = statement(`UPDATE idempotency_keys SET owner = NULL, ${RELEASE_LEASE} WHERE owner = ? AND state = 'pending'`);
// Only a fresh claim (never sent, never taken over) is withdrawn: a taken-over key may have gone out.
const WITHDRAW = statement("DELETE FROM idempotency_keys WHERE key = ? AND owner = ? AND state = 'pending'");
// Only the key's owner settles it: a run that lost the key (stalled past its lease) must not overwrite
// what the run that took it over found. A SID belongs to one settled key (migration 018's unique index;
// the NOT EXISTS spares the common case an error): two runs reconciling identical texts at the same
// moment may both find one message, and only the first settles with it.
const SETTLE = both(
  "UPDATE idempotency_keys SET state = 'settled', result = ?, sid = ?, settled_at = {nowIso} WHERE key = ? AND owner = ? AND state = 'pending' " +
    "AND NOT EXISTS (SELECT 1 FROM idempotency_keys o WHERE o.sid = ? AND o.state = 'settled')",
);
// A refusal that created nothing (`forgetRequest` 1) also clears the request time: a retry under the key sends at once.
const FAIL = both(
  "UPDATE idempotency_keys SET state = 'failed', result = ?, settled_at = {nowIso}, requested_at = CASE WHEN ? = 1 THEN NULL ELSE requested_at END, answer_lost_at = CASE WHEN ? = 1 THEN NULL ELSE answer_lost_at END " +
    "WHERE key = ? AND owner = ? AND state = 'pending'",
);
const SID_CLAIMED = statement("SELECT key FROM idempotency_keys WHERE sid = ? AND state = 'settled'");

/** PostgreSQL returns BIGINT as text. */
const numberOrNull = (v: number | string | null | undefined) => (v === null || v === undefined ? null : Number(v));
const withNumbers = (row: KeyRow | undefined): KeyRow | undefined =>
  row && { ...row, lease_until: numberOrNull(row.lease_until), requested_at: numberOrNull(row.requested_at), answer_lost_at: numberOrNull(row.answer_lost_at), last_request_at: numberOrNull(row.last_request_at), db_now: Number(row.db_now) };

export async function findKey(store: Store, key: string): Promise<KeyRow | undefined> {
  return withNumbers(await store.readOne<KeyRow>(FIND, [key]));
}

/** A row that already holds the caller's key for different parameters, if any. */
export async function findConflict(store: Store, requestKey: string, fingerprint: string): Promise<KeyRow | undefined> {
  return withNumbers(await store.readOne<KeyRow>(FIND_CONFLICT, [requestKey, fingerprint]));
}

/** Claims a new key for `owner`; false when the key exists or the caller's key is taken by other parameters. */
export async function claimNewKey(store: Store, req: KeyRequest, owner: string, leaseMs: number): Promise<boolean> {
  const params: Param[] = [req.key, req.requestKey, req.scope, JSON.stringify(req.request), req.fingerprint, owner, leaseMs];
  return (await store.run(CLAIM_NEW, params)) > 0;
}

/**
 * What a claim found: the key is this owner's now (`claimed`), or it was there already (`row`), or
 * it was not but the caller's key stands for other parameters in another row (`conflict`); neither
 * when the key was removed meanwhile.
 */
export type ClaimAttempt = { claimed: true } | { claimed: false; row?: KeyRow; conflict?: KeyRow };

/** Claims a new key for `owner`, or reads what holds it: one round trip on PostgreSQL. */
export async function claimOrRead(store: Store, req: KeyRequest, owner: string, leaseMs: number): Promise<ClaimAttempt> {
  if (store.dialect === 'postgres') {
    const params: Param[] = [req.key, req.requestKey, req.scope, JSON.stringify(req.request), req.fingerprint, owner, leaseMs];
    const { c } = (await store.readOne<{ c: { claimed: boolean; db_now?: number | string; row?: KeyRow | null; conflict?: KeyRow | null } }>(CLAIM_OR_READ, params))!;
    if (c.claimed) return { claimed: true };
    const at = (row: KeyRow | null | undefined) => withNumbers(row ? { ...row, db_now: Number(c.db_now) } : undefined);
    return { claimed: false, row: at(c.row), conflict: at(c.conflict) };
  }
  if (await claimNewKey(store, req, owner, leaseMs)) return { claimed: true };
  const row = await findKey(store, req.key);
  return row ? { claimed: false, row } : { claimed: false, conflict: await findConflict(store, req.requestKey, req.fingerprint) };
}

/**
 * Claims a new key already settled with `sid` and `result`: one statement for an action that is done
 * the moment it is claimed (a reply in a webhook's TwiML answer). On SQLite it shares the group commit
 * of its event-loop turn (resolved once committed); on PostgreSQL it is one round trip. False when the
 * key exists, the caller's key stands for other parameters, or another key is settled with `sid`:
 * the caller then claims as usual (ClaimOwner.claim) to learn which, and what to do.
 */
export async function claimSettledKey(store: Store, req: KeyRequest, owner: string, sid: string, result: unknown): Promise<boolean> {
  const params: Param[] = [req.key, req.requestKey, req.scope, JSON.stringify(req.request), req.fingerprint, owner, JSON.stringify(result), sid];
  return (await store.write(CLAIM_SETTLED, params)) > 0;
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
  return (await store.run(REARM_FAILED, [owner, leaseMs, key])) > 0;
}

/** Extends the lease on one key; false when the owner no longer holds it. */
export async function renewKey(store: Store, key: string, owner: string, leaseMs: number): Promise<boolean> {
  return (await store.run(RENEW_ONE, [leaseMs, key, owner])) > 0;
}

/**
 * Marks the key requested (the database's clock; the first request's time is kept) and holds it for
 * `holdMs` from now; the request time, or undefined when the owner no longer holds the key.
 */
export async function startRequest(store: Store, key: string, owner: string, holdMs: number): Promise<number | undefined> {
  const row = await store.readOne<{ requested_at: number | string }>(START_REQUEST, [holdMs, key, owner]);
  return row ? Number(row.requested_at) : undefined;
}

/** Takes back the request mark of `startRequest` when that request (and any before it) certainly created nothing. */
export async function unmarkRequest(store: Store, key: string, owner: string, requestedAt: number): Promise<void> {
  await store.run(REQUEST_NOT_MADE, [key, owner, requestedAt]);
}

/** Records that the answer to the key's request was lost (the database's clock), for a run that may take the key over. */
export async function markAnswerLost(store: Store, key: string, owner: string): Promise<void> {
  await store.run(ANSWER_LOST, [key, owner]);
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

/**
 * What settling a key did: `settled`; `lost` when `owner` no longer holds it pending (another run took
 * it over); `sid-taken` when another key is already settled with this SID (the message is that key's).
 */
export type SettleOutcome = 'settled' | 'lost' | 'sid-taken';

/** Settles the key with its SID (the database's clock for `settled_at`). */
export async function settleKey(store: Store, key: string, owner: string, sid: string, result: unknown): Promise<SettleOutcome> {
  try {
    if ((await store.run(SETTLE, [JSON.stringify(result), sid, key, owner, sid])) > 0) return 'settled';
  } catch (err) {
    // PostgreSQL: a settle with this SID by another connection committed after this statement's check;
    // the unique index refused this one. Anything else is the store's failure.
    const holder = await sidHolder(store, sid);
    if (holder === undefined) throw err;
    if (holder === key) return 'settled';
  }
  // This key holds the SID already: an earlier try of this settle committed, and its answer was lost.
  const holder = await sidHolder(store, sid);
  if (holder === key) return 'settled';
  return holder === undefined ? 'lost' : 'sid-taken';
}

/** The settled key that holds this SID, if any. */
async function sidHolder(store: Store, sid: string): Promise<string | undefined> {
  return (await store.readOne<{ key: string }>(SID_CLAIMED, [sid]))?.key;
}

/**
 * Marks the key failed for good; false (nothing written) when `owner` no longer holds it pending.
 * `forgetRequest`: Twilio refused the request, and no earlier one may have created anything.
 */
export async function failKey(store: Store, key: string, owner: string, result: unknown, forgetRequest: boolean): Promise<boolean> {
  return (await store.run(FAIL, [JSON.stringify(result), forgetRequest ? 1 : 0, forgetRequest ? 1 : 0, key, owner])) > 0;
}

/** Whether some settled key already claims this SID (reconciliation must not give one SID to two keys). */
export async function sidIsClaimed(store: Store, sid: string): Promise<boolean> {
  return (await store.readOne(SID_CLAIMED, [sid])) !== undefined;
}
