/**
 * The Twilio API request slots of an account, shared by every process on the store (on PostgreSQL,
 * every machine): a row per request in flight, numbered 0 to the cap less one, under an owner and a
 * lease in the database's clock. The primary key (account, slot) is what keeps the count within the
 * cap, whatever runs at once: two processes that pick the same free slot cannot both insert it, and
 * the loser takes another. A slot whose lease ran out (its owner died or stalled) is taken over.
 */
import type { Store } from './open-store.js';
import { statement, withDbNow } from './statement.js';

// The first free slot below the cap: never used, or its lease ran out. On SQLite the statement runs
// under the write lock, so the slot it picks is free; on PostgreSQL two statements may pick the same
// one: the second meets the first's row, its update is skipped (the lease is live), and it returns no
// row (the caller asks again). The casts give PostgreSQL the parameters' types.
const ACQUIRE = withDbNow(
  'WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < CAST(? AS INTEGER)) ' +
    'INSERT INTO api_slots (account, slot, owner, lease_until) ' +
    'SELECT CAST(? AS TEXT), i, CAST(? AS TEXT), {now} + CAST(? AS BIGINT) FROM n ' +
    'WHERE i NOT IN (SELECT slot FROM api_slots WHERE account = ? AND lease_until >= {now}) ORDER BY i LIMIT 1 ' +
    'ON CONFLICT (account, slot) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until WHERE api_slots.lease_until < {now} ' +
    'RETURNING slot',
);
const RELEASE = statement('DELETE FROM api_slots WHERE account = ? AND slot = ? AND owner = ?');
const RENEW = withDbNow('UPDATE api_slots SET lease_until = {now} + CAST(? AS BIGINT) WHERE account = ? AND owner = ?');
const RELEASE_OWNER = statement('DELETE FROM api_slots WHERE account = ? AND owner = ?');

export interface SlotHolder {
  account: string;
  owner: string;
  /** How many requests of the account may be in flight at once, across every process. */
  cap: number;
  leaseMs: number;
}

/** Takes a free slot for one request: its number, or undefined when all `cap` are taken. */
export async function acquireApiSlot(store: Store, h: SlotHolder): Promise<number | undefined> {
  const row = await store.readOne<{ slot: number | string }>(ACQUIRE, [h.cap, h.account, h.owner, h.leaseMs, h.account]);
  return row ? Number(row.slot) : undefined;
}

/**
 * Frees a slot once its request has its answer. A group-committed write: on the one-message path it
 * shares the commit of the settle that follows the answer.
 */
export async function releaseApiSlot(store: Store, h: SlotHolder, slot: number): Promise<void> {
  await store.write(RELEASE, [h.account, slot, h.owner]);
}

/** Extends the lease of every slot the owner holds (a request slower than the lease). */
export async function renewApiSlots(store: Store, h: SlotHolder): Promise<void> {
  await store.run(RENEW, [h.leaseMs, h.account, h.owner]);
}

/** Frees every slot the owner still holds (on close). */
export async function releaseOwnerApiSlots(store: Store, h: SlotHolder): Promise<void> {
  await store.run(RELEASE_OWNER, [h.account, h.owner]);
}
