/**
 * Many idempotency keys' settlements in one statement. A batch run that walks through rows already
 * sent (by an earlier run, or by another run of the same batch going on now) reads them a stretch at
 * a time instead of claiming each: on PostgreSQL a claim that finds a settled key, with the opt-out
 * check before it and the event after it, is three or four round trips a row, and a restarted run
 * of a 1,000-row batch met ~1,000 such rows. A settled key stays settled, so what this reads is final.
 */
import type { Store } from './open-store.js';
import { NOW_MS, statementPair } from './statement.js';

/** A settled key, with what answering from it needs. */
export interface SettledKey {
  key: string;
  fingerprint: string | null;
  owner: string | null;
  result: string;
  settled_at: string;
  /** The database's clock at the read (epoch ms). */
  db_now: number;
  /**
   * This process's uptime at the read (ms): db_now less it is this process's start on the database's
   * clock. Kept because a batch answers a row from what it read up to a stretch earlier.
   */
  read_uptime_ms: number;
}

// One JSON parameter, an array of [key, recipient] pairs: both databases read it as rows. A key whose
// recipient is on the opt-out list is left out: its row goes the usual way, which refuses it as before.
const COLUMNS = 'k.key, k.fingerprint, k.owner, k.result, k.settled_at';
const FIND_SETTLED = statementPair(
  `SELECT ${COLUMNS}, ${NOW_MS.sqlite} AS db_now FROM json_each(?) AS w JOIN idempotency_keys AS k ON k.key = json_extract(w.value, '$[0]') ` +
    "WHERE k.state = 'settled' AND NOT EXISTS (SELECT 1 FROM optouts AS o WHERE o.phone = json_extract(w.value, '$[1]'))",
  `SELECT ${COLUMNS}, ${NOW_MS.postgres} AS db_now FROM json_array_elements(CAST(? AS json)) AS w(v) JOIN idempotency_keys AS k ON k.key = w.v->>0 ` +
    "WHERE k.state = 'settled' AND NOT EXISTS (SELECT 1 FROM optouts AS o WHERE o.phone = w.v->>1)",
);

/** Of the keys asked for (each with the number it texts), those settled whose recipient has not opted out. */
export async function findSettledKeys(store: Store, wanted: readonly { key: string; to: string }[]): Promise<SettledKey[]> {
  if (!wanted.length) return [];
  const rows = await store.readMany<SettledKey>(FIND_SETTLED, [JSON.stringify(wanted.map((w) => [w.key, w.to]))]);
  const readUptimeMs = process.uptime() * 1000;
  // PostgreSQL returns BIGINT as text.
  return rows.map((r) => ({ ...r, db_now: Number(r.db_now), read_uptime_ms: readUptimeMs }));
}
