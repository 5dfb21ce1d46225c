/**
 * "Sent by another run" is judged against this process's start on the database's clock: the database's
 * now at the read less this process's uptime at that read. A batch answers rows from a stretch read up
 * to seconds earlier; counting the uptime from the answer instead put the start too early, so a row the
 * previous run settled just before this one started passed for one sent by a run going on now (seen in
 * batch-stop.test.ts once runs ended sooner).
 */
import { describe, expect, it } from 'vitest';
import { answerFromSettled } from '../../src/messaging/settled-answer.js';
import type { ClaimOwner } from '../../src/store/claims.js';

const claims = { id: 'this-run' } as ClaimOwner;
const result = JSON.stringify({ sid: 'SM00000000000000000000000000000001', status: 'queued' });

/** A settled row read `readMsAgo` ago, settled `settledMsAfterStart` after this process started (database clock). */
function rowReadEarlier(readMsAgo: number, settledMsAfterStart: number) {
  const readUptimeMs = process.uptime() * 1000 - readMsAgo;
  const dbNowAtRead = 1_800_000_000_000;
  const startOnDbClock = dbNowAtRead - readUptimeMs;
  return { owner: 'earlier-run', result, settled_at: new Date(startOnDbClock + settledMsAfterStart).toISOString(), db_now: dbNowAtRead, read_uptime_ms: readUptimeMs };
}

describe('a settled row answered a while after it was read', () => {
  it('settled by a run that ended before this one started: deduplicated, not "sent by another run"', () => {
    const answer = answerFromSettled(rowReadEarlier(2_000, -500), claims);
    expect(answer.outcome).toBe('deduplicated');
    expect(answer.result.sentByOtherRun).toBeUndefined();
  });

  it('settled after this run started: sent by that other run', () => {
    const answer = answerFromSettled(rowReadEarlier(2_000, 100), claims);
    expect(answer.outcome).toBe('sent-by-other-run');
    expect(answer.result.sentByOtherRun).toBe('earlier-run');
  });
});
