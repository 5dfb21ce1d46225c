/**
 * What a key found settled answers: the stored result, marked deduplicated, and whether another run
 * going on now sent it (so a batch reports "sent by another run", not "already sent before").
 */
import type { ClaimOwner } from '../store/claims.js';
import type { KeyRow } from '../store/idempotency.js';
import type { SendResult } from './deliver.js';

export type SettledRow = Pick<KeyRow, 'result' | 'owner' | 'settled_at' | 'db_now'> & { read_uptime_ms?: number };

/** What a settled key answers: its result, deduplicated, and the outcome to log (with the owner when another run going on now sent it). */
export function answerFromSettled(row: SettledRow, claims: ClaimOwner): { result: SendResult; outcome: 'sent-by-other-run' | 'deduplicated'; fields: Record<string, unknown> } {
  const stored = JSON.parse(row.result!) as SendResult;
  const byOther = sentByOtherRun(row, claims);
  return {
    result: { ...stored, deduplicated: true, ...(byOther ? { sentByOtherRun: byOther } : {}) },
    outcome: byOther ? 'sent-by-other-run' : 'deduplicated',
    fields: { sid: stored.sid, ...(byOther ? { owner: byOther } : {}) },
  };
}

/**
 * Settled by another run going on now (its owner id), judged on the database's clock alone: the key's
 * settle time against this process's start (the database's now at the read, less this process's uptime).
 */
function sentByOtherRun(row: SettledRow, claims: ClaimOwner): string | undefined {
  // The uptime of the read, not of now: counted from now, a row read a while ago would put this start
  // too early, and a run that finished just before this one started would pass for one going on now.
  const startedAt = row.db_now - (row.read_uptime_ms ?? process.uptime() * 1000);
  return row.owner && row.owner !== claims.id && Date.parse(row.settled_at!) >= startedAt ? row.owner : undefined;
}
