/**
 * How far the outbound action under one caller's key has got, across its chunks (each chunk has a key
 * of its own, all sharing `request_key`): for a caller that must answer "did this go out?" from the
 * store alone, such as OpenClaw asking after a crash whether a queued delivery reached Twilio.
 */
import type { Store } from './open-store.js';
import { NOW_MS, statementPair } from './statement.js';

export interface RequestProgress {
  /** Keys claimed under the request (0: nothing was ever claimed, so nothing was ever asked of Twilio). */
  claimed: number;
  settled: number;
  /** Pending keys whose owner still holds a live lease: a run is working on them now. */
  inFlight: number;
  /** How many chunks the request has, as its keys say (`key#i/n`); 1 for an unchunked one. */
  chunks: number;
  /** The settled chunks' SIDs, first chunk first. */
  sids: string[];
}

const sql = (now: string, concat: string) =>
  'SELECT COUNT(*) AS claimed, ' +
  "SUM(CASE WHEN state = 'settled' THEN 1 ELSE 0 END) AS settled, " +
  `SUM(CASE WHEN state = 'pending' AND lease_until >= ${now} THEN 1 ELSE 0 END) AS in_flight, ` +
  `MIN(key) AS first_key, ${concat} AS settled_sids ` +
  'FROM idempotency_keys WHERE request_key = ?';
const PROGRESS = statementPair(sql(NOW_MS.sqlite, "group_concat(key || ' ' || sid, '\n')"), sql(NOW_MS.postgres, "string_agg(key || ' ' || sid, E'\\n')"));

interface ProgressRow {
  claimed: number | string;
  settled: number | string | null;
  in_flight: number | string | null;
  first_key: string | null;
  settled_sids: string | null;
}

const chunkOf = (key: string) => Number(/#(\d+)\/\d+$/.exec(key)?.[1] ?? 1);

export async function requestProgress(store: Store, requestKey: string): Promise<RequestProgress> {
  const row = await store.readOne<ProgressRow>(PROGRESS, [requestKey]);
  const sids = (row?.settled_sids ?? '')
    .split('\n')
    .filter(Boolean)
    .map((line) => [line.slice(0, line.lastIndexOf(' ')), line.slice(line.lastIndexOf(' ') + 1)])
    .sort(([a], [b]) => chunkOf(a) - chunkOf(b))
    .map(([, sid]) => sid);
  return {
    claimed: Number(row?.claimed ?? 0),
    settled: Number(row?.settled ?? 0),
    inFlight: Number(row?.in_flight ?? 0),
    chunks: Number(/#\d+\/(\d+)$/.exec(row?.first_key ?? '')?.[1] ?? 1),
    sids,
  };
}
