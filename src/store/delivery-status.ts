/**
 * Delivery states of a message, in Twilio's order. Status callbacks arrive late, twice, or out of
 * order (a `sent` after `delivered`), so each one is applied only when it moves the message forward:
 * queued -> sending -> sent -> one final state (delivered, undelivered, failed; `read` may follow
 * `delivered`). A repeat is a duplicate; an older state is stale; a second, different final state is
 * a conflict: the first is kept and the disagreement recorded, never silently chosen.
 *
 * A callback for a message not stored yet (it can beat the send's own answer) stores the state under
 * the SID only, with no body and no numbers; the send fills them in when it settles.
 */
import type { Store } from './open-store.js';
import { statement } from './statement.js';

/** Rank of the final states (delivered, undelivered, failed, canceled, received); only `read` is later. */
export const FINAL_RANK = 4;

const RANK: Record<string, number> = {
  accepted: 0,
  scheduled: 0,
  queued: 1,
  receiving: 1,
  sending: 2,
  sent: 3,
  delivered: 4,
  undelivered: 4,
  failed: 4,
  canceled: 4,
  received: 4,
  read: 5,
};

export const isFinalState = (status: string) => (RANK[status] ?? -1) >= FINAL_RANK;

/** The same order in SQL, for statements that must not move a message backwards. */
export function rankSql(column: string): string {
  return `CASE ${column} ${Object.entries(RANK).map(([s, r]) => `WHEN '${s}' THEN ${r}`).join(' ')} ELSE -1 END`;
}

export interface DeliveryObservation {
  sid: string;
  status: string;
  errorCode: number | null;
}

export type DeliveryOutcome = 'applied' | 'duplicate' | 'stale' | 'conflict' | 'unknown-status';

interface CurrentState {
  status: string;
  error_code: number | null;
}

/** What a new observation does to the current state. Pure, so the rules are tested on their own. */
export function decideTransition(current: CurrentState | undefined, next: { status: string; errorCode: number | null }): DeliveryOutcome {
  const rank = RANK[next.status];
  if (rank === undefined) return 'unknown-status';
  if (!current) return 'applied';
  if (current.status === next.status) return next.errorCode && current.error_code && next.errorCode !== current.error_code ? 'conflict' : 'duplicate';
  const currentRank = RANK[current.status] ?? -1;
  if (isFinalState(current.status)) {
    if (current.status === 'delivered' && next.status === 'read') return 'applied';
    return isFinalState(next.status) ? 'conflict' : 'stale';
  }
  return rank > currentRank ? 'applied' : 'stale';
}

const READ_STATE = statement('SELECT status, error_code FROM messages WHERE sid = ?');
// Compare-and-set on the state the decision was made from: a concurrent writer (another serve on the same PostgreSQL) makes it miss, and the decision is made again.
const MOVE_STATE = statement('UPDATE messages SET status = ?, error_code = COALESCE(?, error_code), updated_at = ? WHERE sid = ? AND status = ?');
const FIRST_STATE = statement(
  "INSERT INTO messages (sid, account_sid, direction, from_number, to_number, body, status, num_segments, error_code, created_at, updated_at) VALUES (?, NULL, 'outbound-api', '', '', '', ?, NULL, ?, ?, ?) ON CONFLICT (sid) DO NOTHING",
);
const RECORD_CONFLICT = statement('UPDATE messages SET status_conflict = ?, updated_at = ? WHERE sid = ?');

// One observation of a SID at a time in this process, so two callbacks racing each other are decided in turn.
const inFlight = new WeakMap<Store, Map<string, Promise<unknown>>>();
function oneAtATime<T>(store: Store, sid: string, work: () => Promise<T>): Promise<T> {
  let map = inFlight.get(store);
  if (!map) inFlight.set(store, (map = new Map()));
  // The previous observation's failure belongs to its own caller: this one runs after it either way.
  const next = (map.get(sid) ?? Promise.resolve()).catch(() => undefined).then(work);
  map.set(sid, next);
  // Only the cleanup: `next`'s failure reaches our caller, and would otherwise be reported twice as unhandled.
  void next.finally(() => map!.get(sid) === next && map!.delete(sid)).catch(() => undefined);
  return next;
}

export interface AppliedObservation {
  outcome: DeliveryOutcome;
  /** The state the message is in now (the final one, when it has one). */
  status: string;
  errorCode: number | null;
  conflict?: string;
}

export function applyDeliveryStatus(store: Store, obs: DeliveryObservation): Promise<AppliedObservation> {
  return oneAtATime(store, obs.sid, async () => {
    for (let attempt = 0; ; attempt++) {
      const current = await store.readOne<CurrentState>(READ_STATE, [obs.sid]);
      const outcome = decideTransition(current, obs);
      const now = new Date().toISOString();
      if (outcome === 'applied') {
        if (current) await store.write(MOVE_STATE, [obs.status, obs.errorCode, now, obs.sid, current.status]);
        else await store.write(FIRST_STATE, [obs.sid, obs.status, obs.errorCode, now, now]);
        const after = await store.readOne<CurrentState>(READ_STATE, [obs.sid]);
        if (after?.status === obs.status || attempt >= 3) return { outcome, status: after?.status ?? obs.status, errorCode: after?.error_code ?? obs.errorCode };
        continue; // someone else moved it first: decide again from what is there now
      }
      if (outcome === 'conflict') {
        const conflict = `${obs.status}${obs.errorCode ? ` (${obs.errorCode})` : ''} reported after ${current!.status}${current!.error_code ? ` (${current!.error_code})` : ''}`;
        await store.write(RECORD_CONFLICT, [conflict, now, obs.sid]);
        return { outcome, status: current!.status, errorCode: current!.error_code, conflict };
      }
      return { outcome, status: current?.status ?? obs.status, errorCode: current?.error_code ?? obs.errorCode };
    }
  });
}
