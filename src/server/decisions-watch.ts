/**
 * Approvals made in another terminal (`pairing approve`, `approvals approve`) change the store, not
 * this process: serve looks for new decisions every second and reports each on the event bus, so the
 * dashboard's feed shows them wherever they were made.
 *
 * Decisions are stamped with the database's clock, so machines with skewed clocks agree. A decision
 * can still become visible after a later one (its transaction committed late), so each look re-reads
 * the last OVERLAP_MS of decisions and reports only those not reported yet.
 */
import { decisionsSince } from '../store/decisions.js';
import type { Store } from '../store/open-store.js';
import { NOW_MS, statementPair } from '../store/statement.js';
import type { Emit } from './events.js';

/** How late a decision may become visible and still be shown. */
export const OVERLAP_MS = 60_000;

const DB_NOW = statementPair(`SELECT ${NOW_MS.sqlite} AS now_ms`, `SELECT ${NOW_MS.postgres} AS now_ms`);
const databaseNow = async (store: Store) => Number((await store.readOne<{ now_ms: number | string }>(DB_NOW, []))!.now_ms);

/** Starts watching; returns how to stop. */
export function watchDecisions(store: Store, emit: Emit, intervalMs = 1000): () => void {
  // Decisions from before the watch started are history, not news; set by the first look.
  let startedAt: number | undefined;
  // What was reported, and when it was decided: forgotten once it is older than the overlap.
  const reported = new Map<string, number>();
  let running = false;
  const poll = async () => {
    if (running) return; // a slow store: skip a beat rather than pile up queries
    running = true;
    try {
      const now = await databaseNow(store);
      startedAt ??= now;
      const from = Math.max(startedAt, now - OVERLAP_MS);
      for (const [key, at] of reported) if (at < from) reported.delete(key);
      for (const d of await decisionsSince(store, new Date(from).toISOString())) {
        const key = `${d.kind}:${d.id}`;
        if (reported.has(key)) continue;
        reported.set(key, Date.parse(d.decidedAt));
        emit('decision', { kind: d.kind, id: d.id, who: d.who, status: d.status });
      }
    } catch (err) {
      emit('warning', { message: `reading approvals made elsewhere failed: ${(err as Error).message}` });
    } finally {
      running = false;
    }
  };
  void poll();
  const timer = setInterval(() => void poll(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
