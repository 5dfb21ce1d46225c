/**
 * A sender's schedule joined with its account's (rate-slots.ts holds each alone): one slot is taken
 * from both rows in one statement, at the later of the two, and each row moves on by its own
 * interval. Taking them one after the other would not do: the slot waited for second lets the first
 * bunch (two messages a sender spaced a second apart, both held back by the account, would go out
 * together). The account's row is `account:<AccountSid>`, which no sender (E.164, MG...) can be.
 */
import type { Store } from './open-store.js';
import { PG_NOW, SQLITE_NOW } from './rate-slots.js';
import { statementPair } from './statement.js';

const ENSURE = statementPair(
  'INSERT OR IGNORE INTO rate_slots (sender, next_at) VALUES (?, 0), (?, 0)',
  'INSERT INTO rate_slots (sender, next_at) VALUES (?, 0), (?, 0) ON CONFLICT (sender) DO NOTHING',
);
// SQLite runs a write statement under the write lock from its start and evaluates the uncorrelated
// subquery once, so both rows get the same slot. PostgreSQL locks both rows first (in one order, so
// two of these never deadlock) and reads their latest values. Both return each row's new next_at and
// the clock, in the same parameter order: sender, account, sender, its interval, the account's, sender, account.
const TAKE = statementPair(
  `UPDATE rate_slots SET next_at = (SELECT MAX(${SQLITE_NOW}, MAX(next_at)) FROM rate_slots WHERE sender IN (?, ?)) + CASE WHEN sender = ? THEN ? ELSE ? END ` +
    `WHERE sender IN (?, ?) RETURNING sender, next_at, ${SQLITE_NOW} AS now_ms`,
  `WITH cur AS (SELECT next_at FROM rate_slots WHERE sender IN (?, ?) ORDER BY sender FOR UPDATE), slot AS (SELECT GREATEST(${PG_NOW}, MAX(next_at)) AS at FROM cur) ` +
    'UPDATE rate_slots SET next_at = slot.at + CASE WHEN rate_slots.sender = ? THEN CAST(? AS double precision) ELSE CAST(? AS double precision) END ' +
    `FROM slot WHERE rate_slots.sender IN (?, ?) RETURNING rate_slots.sender, rate_slots.next_at, ${PG_NOW} AS now_ms`,
);
const REFUND = statementPair(
  `UPDATE rate_slots SET next_at = MAX(${SQLITE_NOW}, next_at - CASE WHEN sender = ? THEN ? ELSE ? END) WHERE sender IN (?, ?)`,
  `UPDATE rate_slots SET next_at = GREATEST(${PG_NOW}, next_at - CASE WHEN sender = ? THEN CAST(? AS double precision) ELSE CAST(? AS double precision) END) WHERE sender IN (?, ?)`,
);

export interface JointSchedule {
  sender: string;
  account: string;
  senderIntervalMs: number;
  accountIntervalMs: number;
}

/** Creates the two rows if they are missing (once per limiter: the take below only updates). */
export async function ensureJointRows(store: Store, j: JointSchedule): Promise<void> {
  await store.run(ENSURE, [j.sender, j.account]);
}

/** Reserves the next slot free on both schedules; resolves to how long to wait for it. */
export async function reserveJointSlot(store: Store, j: JointSchedule): Promise<number> {
  const row = await store.readOne<{ sender: string; next_at: number | string; now_ms: number | string }>(TAKE, [j.sender, j.account, j.sender, j.senderIntervalMs, j.accountIntervalMs, j.sender, j.account]);
  if (!row) return 0;
  // Either row tells the slot: its new next_at less its own interval.
  const slot = Number(row.next_at) - (row.sender === j.sender ? j.senderIntervalMs : j.accountIntervalMs);
  return Math.max(0, slot - Number(row.now_ms));
}

/** Gives back one interval of each schedule (a request refused with 429, or never made). */
export async function refundJointSlot(store: Store, j: JointSchedule): Promise<void> {
  await store.run(REFUND, [j.sender, j.senderIntervalMs, j.accountIntervalMs, j.sender, j.account]);
}
