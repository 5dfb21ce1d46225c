/**
 * The shared send schedule of each sender: one row per sender holding the next free slot (epoch ms,
 * the database's clock). Every process sharing the store reserves its slots from the same row, so N
 * processes (on PostgreSQL, N machines) together keep the sender's rate. The row is locked only for
 * the one statement that moves it, never while anyone waits for a slot.
 */
import type { Store } from './open-store.js';
import { statementPair } from './statement.js';

// One clock reading per statement (SQLite fixes 'now' per step; statement_timestamp() is fixed per
// statement), so the wait returned agrees with the slot reserved. A reading taken before a lock wait
// can only make the wait longer than needed, never shorter: the rate is never exceeded.
export const SQLITE_NOW = "((julianday('now') - 2440587.5) * 86400000.0)";
export const PG_NOW = '(extract(epoch from statement_timestamp()) * 1000)::double precision';

const TAKE = statementPair(
  `INSERT INTO rate_slots (sender, next_at) VALUES (?, ${SQLITE_NOW} + ?) ON CONFLICT (sender) DO UPDATE SET next_at = MAX(${SQLITE_NOW}, rate_slots.next_at) + excluded.next_at - ${SQLITE_NOW} ` +
    `RETURNING next_at - ? - ${SQLITE_NOW} AS wait_ms`,
  `INSERT INTO rate_slots (sender, next_at) VALUES (?, ${PG_NOW} + CAST(? AS double precision)) ON CONFLICT (sender) DO UPDATE SET next_at = GREATEST(${PG_NOW}, rate_slots.next_at) + excluded.next_at - ${PG_NOW} ` +
    `RETURNING next_at - CAST(? AS double precision) - ${PG_NOW} AS wait_ms`,
);
const REFUND = statementPair(
  `UPDATE rate_slots SET next_at = MAX(${SQLITE_NOW}, next_at - ?) WHERE sender = ?`,
  `UPDATE rate_slots SET next_at = GREATEST(${PG_NOW}, next_at - CAST(? AS double precision)) WHERE sender = ?`,
);

/** Reserves the sender's next slot, `intervalMs` after the one before; resolves to how long to wait for it. */
export async function reserveSlot(store: Store, sender: string, intervalMs: number): Promise<number> {
  const row = await store.readOne<{ wait_ms: number | string }>(TAKE, [sender, intervalMs, intervalMs]);
  return Math.max(0, Number(row?.wait_ms ?? 0));
}

/** Gives back one interval of the schedule: a request the API refused (429) did not use its slot. */
export async function refundSlot(store: Store, sender: string, intervalMs: number): Promise<void> {
  await store.run(REFUND, [intervalMs, sender]);
}
