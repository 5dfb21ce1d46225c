/**
 * The hard cap under each sender's schedule: at most `perWindow` sends in any window of `windowMs`
 * (for 100/s: 100 in any second), across every process sharing the store. The schedule
 * (rate-slots.ts) spaces the sends evenly, but a process that wakes late (a loaded machine, a pause)
 * sends its slot late, next to other processes' on-time slots, and the busiest second went over the
 * rate (108 for 100/s, three batches at once). So each send takes one of `perWindow` places (a ring
 * of rows per sender), which it may do only when the place's last send is a whole window old: a
 * compare-and-swap, so no two processes take the same place.
 *
 * A place's time is when its request's ANSWER came back, not when the request was admitted: only
 * that bounds when the API counted it. Between the two lie the process's own pauses (the event loop
 * busy after the admission) and the API's (the sandbox's event loop recording it late): measured with
 * three batches at 100/s on this project's 2-core machine under load 4-5, the API recorded a send up
 * to 330 ms after its admission (p99 55-67 ms), enough for 109-114 in a second at the API with a
 * window counted from admissions. Counted from answers, two sends of one place are a window apart at
 * the API whatever the delays: the API saw the first before it answered, the second after it was
 * admitted. The price is the round trip: a place is busy for a window plus its request's time, so
 * the rate is perWindow per (windowMs + round trip): ~99.5% of 100/s against the local sandbox,
 * less against a far API (1,000 / (1,000 + 150) = 87% at a 150 ms round trip).
 * While its request is in flight a place holds a time IN_FLIGHT_HOLD_MS ahead (no one takes it), so
 * a process that dies mid-request leaves its place busy for that long, then free.
 */
import type { Store } from './open-store.js';
import { statementPair } from './statement.js';

// Epoch milliseconds (with fractions) in the database's clock, read at each evaluation on PostgreSQL
// (clock_timestamp), so a statement that waited for a row lock compares and writes the time it ran.
const SQLITE_NOW = "((julianday('now') - 2440587.5) * 86400000.0)";
const PG_NOW = '(extract(epoch from clock_timestamp()) * 1000)::double precision';

const PREPARE = statementPair(
  'WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?) ' +
    'INSERT INTO rate_sends (sender, place, sent_at) SELECT ?, i, 0 FROM n WHERE true ON CONFLICT (sender, place) DO NOTHING',
  'WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < CAST(? AS integer)) ' +
    'INSERT INTO rate_sends (sender, place, sent_at) SELECT CAST(? AS text), i, 0 FROM n ON CONFLICT (sender, place) DO NOTHING',
);
/**
 * How far ahead an admitted place's time is set until its answer comes: longer than any request
 * lasts (send-attempts.ts gives one SEND_TIMEOUT_MS, 10 s, from its admission).
 */
export const IN_FLIGHT_HOLD_MS = 15_000;

// On PostgreSQL two senders may pick the same oldest place; the second waits for the first's row
// lock, re-reads the row, finds it no longer old enough and changes nothing: it looks again.
const oldest = 'SELECT place FROM rate_sends WHERE sender = ? AND place < ? ORDER BY sent_at, place LIMIT 1';
const ADMIT = statementPair(
  `UPDATE rate_sends SET sent_at = ${SQLITE_NOW} + ? WHERE sender = ? AND place = (${oldest}) AND sent_at <= ${SQLITE_NOW} - ? RETURNING place, sent_at`,
  `UPDATE rate_sends SET sent_at = ${PG_NOW} + CAST(? AS double precision) WHERE sender = ? AND place = (${oldest.replace('place < ?', 'place < CAST(? AS integer)')}) ` +
    `AND sent_at <= ${PG_NOW} - CAST(? AS double precision) RETURNING place, sent_at`,
);
const WAIT = statementPair(
  `SELECT MIN(sent_at) + ? - ${SQLITE_NOW} AS wait_ms FROM rate_sends WHERE sender = ? AND place < ?`,
  `SELECT MIN(sent_at) + CAST(? AS double precision) - ${PG_NOW} AS wait_ms FROM rate_sends WHERE sender = ? AND place < CAST(? AS integer)`,
);
// The place's time becomes its answer's, if it is still the place this send took.
const ANSWERED = statementPair(
  `UPDATE rate_sends SET sent_at = ${SQLITE_NOW} WHERE sender = ? AND place = ? AND sent_at = ? RETURNING sent_at`,
  `UPDATE rate_sends SET sent_at = ${PG_NOW} WHERE sender = ? AND place = ? AND sent_at = CAST(? AS double precision) RETURNING sent_at`,
);
const FORGET = statementPair('UPDATE rate_sends SET sent_at = 0 WHERE sender = ? AND place = ? AND sent_at = ?', 'UPDATE rate_sends SET sent_at = 0 WHERE sender = ? AND place = ? AND sent_at = CAST(? AS double precision)');

export interface SendWindow {
  perWindow: number;
  windowMs: number;
}

/** The window for a rate: 100/s is 100 in any 1,000 ms; below 1/s, one send in 1/rate seconds. */
export function windowFor(ratePerSecond: number): SendWindow {
  const perWindow = Math.max(1, Math.floor(ratePerSecond));
  return { perWindow, windowMs: (perWindow * 1000) / ratePerSecond };
}

/** A send the window admitted: where it was written (its place's time now), so its answer can be recorded or a refused request (429) forgotten. */
export interface AdmittedSend {
  place: number;
  sentAt: number;
}

/** Makes sure the sender's ring has its places (once per process and sender). */
export async function prepareWindow(store: Store, sender: string, w: SendWindow): Promise<void> {
  await store.run(PREPARE, [w.perWindow, sender]);
}

/**
 * Admits one send now (its place held as in flight), or answers how long to wait before asking
 * again: at most a window, since a place in flight frees a window after its answer, which comes sooner.
 */
export async function admitSend(store: Store, sender: string, w: SendWindow): Promise<{ admitted: AdmittedSend } | { waitMs: number }> {
  const row = await store.readOne<{ place: number | string; sent_at: number | string }>(ADMIT, [IN_FLIGHT_HOLD_MS, sender, sender, w.perWindow, w.windowMs]);
  if (row) return { admitted: { place: Number(row.place), sentAt: Number(row.sent_at) } };
  const wait = await store.readOne<{ wait_ms: number | string | null }>(WAIT, [w.windowMs, sender, w.perWindow]);
  return { waitMs: Math.min(w.windowMs, Math.max(0, Number(wait?.wait_ms ?? 0))) };
}

/**
 * The admitted send's request was answered (or failed): its place's time becomes now, the store's
 * clock. Answers the send as now written, or unchanged if its place was meanwhile forgotten.
 */
export async function sendAnswered(store: Store, sender: string, sent: AdmittedSend): Promise<AdmittedSend> {
  const row = await store.readOne<{ sent_at: number | string }>(ANSWERED, [sender, sent.place, sent.sentAt]);
  return row ? { place: sent.place, sentAt: Number(row.sent_at) } : sent;
}

/** Forgets an admitted send that the API refused (429): it did not count against the sender's rate. */
export async function forgetSend(store: Store, sender: string, sent: AdmittedSend): Promise<void> {
  await store.run(FORGET, [sender, sent.place, sent.sentAt]);
}
