/**
 * A batch row whose key another run holds is put off until after the new rows, but taken over as soon
 * as that run is known dead (killed on this machine), while the batch is still going, so its reconcile
 * does not come on top of the batch's time. A key another run has in flight is looked at again soon.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RowOutcome, runBatch, toRows } from '../../src/messaging/batch.js';
import { createRowQueue } from '../../src/messaging/batch-queue.js';
import { messageFingerprint } from '../../src/messaging/deliver.js';
import type { MessagingSession } from '../../src/messaging/session.js';
import { createClaimOwner, newOwnerId } from '../../src/store/claims.js';
import { claimNewKey } from '../../src/store/idempotency.js';
import { statement } from '../../src/store/statement.js';
import { openSandboxSession } from '../helpers/messaging-session.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { sqliteUrl } from '../helpers/stores.js';

let ts: TestSandbox;
let session: MessagingSession;

beforeAll(async () => {
  ts = await startTestSandbox();
  session = await openSandboxSession(ts, { rate: 10 });
});
afterAll(async () => {
  await session.close();
  await ts.close();
});

describe('rows put off for another run', () => {
  it('a row held by a run that gets killed is taken over soon after, not after the rest of the batch', async () => {
    const ROWS = 30; // 3 s at 10/s
    const { rows } = toRows(Array.from({ length: ROWS }, (_, i) => ({ to: `+155500073${String(i).padStart(2, '0')}`, body: `put off ${i}` })), 'put-off');
    const first = rows[0];
    const request = { to: first.to, from: session.sender.from, messagingServiceSid: undefined, body: first.body, media: [] };
    // The other run: a live process of this machine whose owner id holds the first row under a long lease.
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60000)'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => other.once('exit', resolve));
    const owner = newOwnerId().replace(/:\d+:/, `:${other.pid}:`);
    try {
      expect(await claimNewKey(session.store, { key: first.key, requestKey: first.key, scope: 'sms', request, fingerprint: messageFingerprint(request) }, owner, 600_000)).toBe(true);
      const seen: number[] = [];
      const run = runBatch(session, rows, { concurrency: 2, onOutcome: (o) => seen.push(o.row) });
      await expect.poll(() => seen.length, { timeout: 30_000 }).toBeGreaterThan(2); // the first row was met, held, and put off
      other.kill('SIGKILL');
      await exited;
      const { outcomes } = await run;
      expect(outcomes.every((o) => o.ok)).toBe(true);
      // At the end of the batch (the old order) it would be the last row or nearly; taken over
      // within about a tenth of a second of its holder's death, it comes well before the last third.
      expect(seen.indexOf(first.row)).toBeLessThan((2 * ROWS) / 3);
      expect(ts.sb.acceptedMessages().filter((m) => m.body === first.body)).toHaveLength(1);
    } finally {
      other.kill('SIGKILL');
    }
  });
});

describe('two runs of one batch started together', () => {
  it('split the batch: the run that meets the other jumps ahead instead of walking beside it', async () => {
    const url = sqliteUrl();
    const [a, b] = [await openSandboxSession(ts, { rate: 50 }, url), await openSandboxSession(ts, { rate: 50 }, url)];
    try {
      const ROWS = 200; // 4 s at 50/s
      const { rows } = toRows(Array.from({ length: ROWS }, (_, i) => ({ to: `+15550074${String(i).padStart(3, '0')}`, body: `split ${i}` })), 'split');
      const sentBy = (outcomes: RowOutcome[]) => outcomes.filter((o) => o.results?.some((r) => !r.deduplicated)).map((o) => o.row);
      const runs = await Promise.all([a, b].map((session) => runBatch(session, rows, { concurrency: 4, onOutcome: () => {} })));
      const [sentA, sentB] = runs.map((r) => sentBy(r.outcomes));
      expect(sentA.length + sentB.length).toBe(ROWS);
      expect(new Set([...sentA, ...sentB]).size).toBe(ROWS);
      // Side by side (the old order) both would start with the first rows; split, one starts about halfway.
      const firstRows = [sentA, sentB].map((sent) => Math.min(...sent.slice(0, 10)));
      expect(Math.max(...firstRows)).toBeGreaterThan(ROWS / 4);
      expect(ts.sb.acceptedMessages().filter((m) => m.body.startsWith('split '))).toHaveLength(ROWS);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('when to look again at a key another run holds', () => {
  it('waiting for its rate slot: within half a second; in flight: about as long as it has been in flight, so soon after its request', async () => {
    const holder = createClaimOwner(session.store);
    const other = createClaimOwner(session.store);
    const request = { to: '+15550007399', body: 'held by another run' };
    const req = { key: 'held-elsewhere', requestKey: 'held-elsewhere', scope: 'sms', request, fingerprint: messageFingerprint(request) };
    try {
      expect(await holder.claim(req)).toMatchObject({ kind: 'claimed' });
      expect(await other.claim(req)).toMatchObject({ kind: 'busy', retryInMs: 500 });
      expect(await holder.startRequest(req.key, 10_000)).toBeDefined();
      const inFlight = await other.claim(req);
      expect(inFlight.kind === 'busy' && inFlight.retryInMs).toBeGreaterThanOrEqual(50);
      expect(inFlight.kind === 'busy' && inFlight.retryInMs).toBeLessThan(500);
      await session.store.run(statement('UPDATE idempotency_keys SET requested_at = requested_at - 60000 WHERE key = ?'), [req.key]);
      expect(await other.claim(req)).toMatchObject({ kind: 'busy', retryInMs: 500 }); // a stalled request: every half second
    } finally {
      await Promise.all([holder.close(), other.close()]);
    }
  });
});

describe('the row queue', () => {
  it('new rows first, then the put-off ones in order; a row whose holder died comes next', () => {
    const dead = new Set<string>();
    const q = createRowQueue(['a', 'b', 'c', 'd', 'e'], (owner) => dead.has(owner));
    q.putOff(q.next(1000)!, 1100, 1000, 'run-x');
    q.putOff(q.next(1010)!, 1110, 1010, 'run-y');
    expect(q.next(1200)!.r).toBe('c'); // put-off rows wait for the new ones, due or not
    dead.add('run-y');
    const b = q.next(1300)!; // its holder died: before the new rows
    expect([b.r, b.deferredSince, b.heldBy]).toEqual(['b', 1010, undefined]);
    q.putOff(b, 1400, 1300, 'run-x'); // taken over by another live run meanwhile
    expect(q.next(1310)!.r).toBe('d');
    expect(q.next(1320)!.r).toBe('e');
    expect(q.size).toBe(2);
    const a = q.next(1330)!; // no new rows left: put off first, first again (the caller waits for its time)
    expect([a.r, a.notBefore, a.deferredSince]).toEqual(['a', 1100, 1000]);
    q.putBack(a); // a stop: still left, first in line
    expect(q.size).toBe(2);
    expect(q.next(1340)!.r).toBe('a');
    expect(q.next(1340)!.r).toBe('b');
    expect(q.next(1340)).toBeUndefined();
  });

  it('a run that meets another on its new rows jumps to the middle of the rest and comes back for what it left', () => {
    const rows = Array.from({ length: 200 }, (_, i) => i);
    const q = createRowQueue(rows);
    const taken = [q.next(0)!, q.next(0)!];
    q.metAnotherRun(taken[0]); // rows 2-199 left: jump to 101
    q.metAnotherRun(taken[1]); // met where this run left already: no second jump
    expect(q.next(0)!.r).toBe(101);
    const order = [101];
    for (let item = q.next(0); item; item = q.next(0)) order.push(item.r);
    expect(order).toEqual([...rows.slice(101), ...rows.slice(2, 101)]);
  });
});
