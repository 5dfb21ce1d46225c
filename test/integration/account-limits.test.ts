/**
 * The account-wide limits held through the store by separate connections (as separate processes
 * hold them): the cap on concurrent API requests (a slot of a dead owner comes free after its lease;
 * a stop or the wait's limit ends a wait) and the account's message rate joined to each sender's.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RequestNotMadeError } from '../../src/errors.js';
import { createAccountStoreRateLimiter, createStoreRateLimiter } from '../../src/messaging/rate-limiter.js';
import { createAccountGate } from '../../src/store/api-gate.js';
import { acquireApiSlot } from '../../src/store/api-slots.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { createRestClient } from '../../src/twilio/rest-client.js';
import { busiestWindow } from '../helpers/sent.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

const ACCOUNT = 'AC' + '0'.repeat(32);

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`account limits on ${kind.name}`, () => {
    let stores: Store[] = [];
    const open = async (n: number) => {
      const url = await kind.url();
      stores = await Promise.all(Array.from({ length: n }, () => openStore(url)));
      return stores;
    };
    afterEach(async () => {
      await Promise.all(stores.map((s) => s.close()));
      stores = [];
    });

    it('three connections making 45 requests hold at most the cap in flight together, and reach it', async () => {
      const cap = 3;
      const gates = (await open(3)).map((s) => createAccountGate(s, ACCOUNT, { cap }));
      let inFlight = 0;
      let most = 0;
      const request = async (gate: (typeof gates)[number]) => {
        const leave = await gate.enter();
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 15));
        inFlight--;
        leave();
      };
      await Promise.all(gates.flatMap((g) => Array.from({ length: 15 }, () => request(g))));
      expect(most).toBe(cap);
      await Promise.all(gates.map((g) => g.close()));
      // Every slot was given back: a new owner takes all of them at once.
      const again = createAccountGate(stores[0], ACCOUNT, { cap });
      const leaves = await Promise.all(Array.from({ length: cap }, () => again.enter()));
      leaves.forEach((leave) => leave());
      await again.close();
    });

    it("a dead owner's slot comes free when its lease runs out (the database's clock), not before", async () => {
      const [store] = await open(1);
      // An owner that took the only slot and never renews it: a process killed with its request in flight.
      expect(await acquireApiSlot(store, { account: ACCOUNT, owner: 'dead-host:1:00000000', cap: 1, leaseMs: 1500 })).toBe(0);
      const gate = createAccountGate(store, ACCOUNT, { cap: 1 });
      const started = performance.now();
      const leave = await gate.enter();
      const waited = performance.now() - started;
      leave();
      await gate.close();
      expect(waited).toBeGreaterThanOrEqual(1000);
      expect(waited).toBeLessThan(10_000);
    });

    it('a stop ends a wait for a slot at once, and so does the wait limit; neither makes the request', async () => {
      const [store] = await open(1);
      expect(await acquireApiSlot(store, { account: ACCOUNT, owner: 'busy-host:1:00000000', cap: 1, leaseMs: 60_000 })).toBe(0);
      const gate = createAccountGate(store, ACCOUNT, { cap: 1, maxWaitMs: 400 });
      const stop = new AbortController();
      const stopped = gate.enter(stop.signal);
      setTimeout(() => stop.abort(), 50);
      const err = await stopped.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RequestNotMadeError);
      expect((err as RequestNotMadeError).stopped).toBe(true);
      const late = (await gate.enter().catch((e: unknown) => e)) as RequestNotMadeError;
      expect(late).toBeInstanceOf(RequestNotMadeError);
      expect(late.stopped).toBe(false);
      expect(late.message).toContain(`All 1 Twilio API request slots of account ${ACCOUNT}`);
      expect(late.hint).toContain('outbound.apiConcurrency');
      await gate.close();
    });

    it('a store that cannot give a slot fails the request as not made, never as a network error', async () => {
      const [store] = await open(1);
      const gate = createAccountGate(store, ACCOUNT, { cap: 1 });
      // Nothing listens on port 9: the request would fail as a network error if it were ever made.
      const client = createRestClient({ accountSid: ACCOUNT, username: ACCOUNT, password: 'x', baseUrl: 'http://127.0.0.1:9', gate, maxRetries: 0 });
      await store.close();
      stores = [];
      const err = (await client.request('GET', 'Messages.json').catch((e: unknown) => e)) as RequestNotMadeError;
      expect(err).toBeInstanceOf(RequestNotMadeError);
      expect(err.code).toBe('api_slots_unavailable');
      expect(err.message).toContain('this request was not made');
    });

    it('two senders on two connections keep the account rate together, and each its own rate', async () => {
      const [a, b] = await open(2);
      const account = { accountSid: ACCOUNT, ratePerSecond: 20 };
      // Each sender alone may send 15/s: together they would send 30/s without the account's rate.
      const limiters = [createAccountStoreRateLimiter(a, '+15550001111', 15, account), createAccountStoreRateLimiter(b, '+15550002222', 15, account)];
      const taken: number[][] = [[], []];
      await Promise.all(
        limiters.map(async (l, i) => {
          for (let n = 0; n < 20; n++) {
            await l.take();
            taken[i].push(performance.now());
          }
        }),
      );
      const all = taken.flat();
      // 40 slots 50 ms apart: the last no sooner than 39 intervals after the first (a whole-ms clock: one slot of margin).
      expect(Math.max(...all) - Math.min(...all)).toBeGreaterThanOrEqual(38 * 50);
      // Timers fire late, never early: on a loaded machine a late one lands beside on-time ones, so a
      // window may hold a few more than the slots (without the account's rate it would hold 30).
      expect(busiestWindow(all)).toBeLessThanOrEqual(account.ratePerSecond + 3);
      for (const own of taken) expect(busiestWindow(own)).toBeLessThanOrEqual(15 + 3);
      // A refund gives a slot back on both schedules: the next take waits less than a whole interval.
      const solo = createAccountStoreRateLimiter(a, '+15550003333', 1, { accountSid: 'AC' + '1'.repeat(32), ratePerSecond: 1 });
      const slot = await solo.take();
      await slot.refund();
      const t0 = performance.now();
      await solo.take();
      expect(performance.now() - t0).toBeLessThan(900);
      // A sender limited alone (no account rate) shares its row with the joined limiter of the same sender.
      const plain = createStoreRateLimiter(b, '+15550003333', 1);
      const t1 = performance.now();
      await plain.take();
      expect(performance.now() - t1).toBeGreaterThanOrEqual(800);
    });
  });
}
