/**
 * A send whose answer was lost (review S5 of session 9): Twilio made it after our time limit, so the
 * sender's window must not count it from when we gave up. Two processes on one 1/s sender: run A's
 * create is held 10.5 s by a proxy before it reaches the sandbox (A gives up at 10 s), run B starts
 * meanwhile; where the creates reach the sandbox (a recording pass-through), they are at least a
 * second apart. Before the fix, 0.5 s. Runs on SQLite and on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { deliverMessage, type OutboundMessage } from '../../src/messaging/deliver.js';
import { createStoreRateLimiter } from '../../src/messaging/rate-limiter.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/server.js';
import { createClaimOwner } from '../../src/store/claims.js';
import { openStore } from '../../src/store/open-store.js';
import { createRestClient } from '../../src/twilio/rest-client.js';
import { startAnswerFaultProxy } from '../helpers/answer-fault-proxy.js';
import { sentMessages } from '../helpers/sent.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 } });
});
afterAll(() => sb.close());

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`a lost answer in the sender's window, on ${kind.name}`, () => {
    it('two sends of a 1/s sender reach Twilio at least a second apart, also when the first answer was lost', async () => {
      const late = `+1555063${kind.name === 'sqlite' ? 1 : 2}001`;
      const next = `+1555063${kind.name === 'sqlite' ? 1 : 2}002`;
      const arrivals = new Map<string, number>();
      const recorder = await startAnswerFaultProxy(sb.baseUrl, (body) => (arrivals.set(body.get('To')!, performance.now()), { kind: 'pass' }));
      const slow = await startAnswerFaultProxy(recorder.url, (body) => (body.get('To') === late ? { kind: 'hold', ms: 10_500 } : { kind: 'pass' }));
      const url = await kind.url();
      const [storeA, storeB] = [await openStore(url), await openStore(url)];
      const [ca, cb] = [createClaimOwner(storeA), createClaimOwner(storeB)];
      try {
        const d = sb.describe();
        const from = d.numbers[0].phoneNumber;
        const client = (base: string) => createRestClient({ accountSid: d.accountSid, username: d.accountSid, password: d.authToken, baseUrl: base });
        const m1: OutboundMessage = { key: `rate-lost-1-${kind.name}`, to: late, from, body: `late one ${Date.now()}`, media: [] };
        const m2: OutboundMessage = { key: `rate-lost-2-${kind.name}`, to: next, from, body: `next one ${Date.now()}`, media: [] };
        const a = deliverMessage(m1, { store: storeA, client: client(slow.url), claims: ca, limiter: createStoreRateLimiter(storeA, from, 1), logger: silentLogger });
        await expect.poll(() => slow.creates, { timeout: 10_000 }).toBe(1);
        const b = deliverMessage(m2, { store: storeB, client: client(recorder.url), claims: cb, limiter: createStoreRateLimiter(storeB, from, 1), logger: silentLogger });
        const [ra, rb] = await Promise.all([a, b]);
        // A's own watch found its late message: one message each.
        expect((await sentMessages(sb)).filter((m) => m.to === late || m.to === next).map((m) => m.sid).sort()).toEqual([ra.sid, rb.sid].sort());
        expect(arrivals.size).toBe(2);
        expect(Math.abs(arrivals.get(next)! - arrivals.get(late)!)).toBeGreaterThanOrEqual(1000);
      } finally {
        await Promise.all([ca.close(), cb.close()]);
        await Promise.all([storeA.close(), storeB.close(), slow.close(), recorder.close()]);
      }
    }, 90_000);
  });
}
