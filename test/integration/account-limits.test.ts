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
import { IN_FLIGHT_HOLD_MS } from '../../src/store/rate-window.js';
import type { Param, Statement } from '../../src/store/statement.js';
import { createRestClient } from '../../src/twilio/rest-client.js';
import { recordingRows } from '../helpers/recording-store.js';
import { busiestSpans, busiestWindow } from '../helpers/sent.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

const ACCOUNT = 'AC' + '0'.repeat(32);
const ACCOUNT_ROW = `account:${ACCOUNT}`;

/** A joint take's answer (account-rate-slots.ts): one row's new next_at and the database's clock. */
interface JointRow {
  sender: string;
  next_at: number | string;
  now_ms: number | string;
}
/** The slot a joint take reserved: the row's new next_at less that row's interval. */
const slotOf = (row: JointRow, accountIntervals: Record<string, number>, senderIntervalMs: number) => Number(row.next_at) - (accountIntervals[row.sender] ?? senderIntervalMs);

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
      // Not before (timers never fire early); that it came free at all is enter() having returned.
      expect(waited).toBeGreaterThanOrEqual(1000);
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
      // The slots the store hands out (its clock), each connection's own: what the schedule promises,
      // not when timers in this process fired (a loaded machine fires them late, never early).
      const recorded = [a, b].map((s) => recordingRows<JointRow>(s, /UPDATE rate_slots SET next_at/));
      // Each sender alone may send 15/s: together they would send 30/s without the account's rate.
      const senders = ['+15550001111', '+15550002222'];
      const limiters = recorded.map((r, i) => createAccountStoreRateLimiter(r.store, senders[i], 15, account));
      await Promise.all(limiters.map(async (l) => {
        for (let n = 0; n < 20; n++) await l.take();
      }));
      const own = recorded.map((r) => r.rows.map((row) => slotOf(row, { [ACCOUNT_ROW]: 50 }, 1000 / 15)));
      const all = own.flat();
      expect(all).toHaveLength(40);
      // 40 slots at least 50 ms apart on the store's clock: no second holds more than the account's rate
      // (30 without it), nor a sender's more than its own (a hair under a second: the clock has fractions).
      expect(busiestWindow(all, 999.9)).toBeLessThanOrEqual(account.ratePerSecond);
      for (const slots of own) expect(busiestWindow(slots, 999.9)).toBeLessThanOrEqual(15);
      expect(Math.max(...all) - Math.min(...all)).toBeGreaterThanOrEqual(39 * 50 - 0.001);
      // A refund gives a slot back on both schedules: the next take's slot is free at once, not a second later.
      const solo = recordingRows<JointRow>(a, /UPDATE rate_slots SET next_at/);
      const soloAccount = { accountSid: 'AC' + '1'.repeat(32), ratePerSecond: 1 };
      const soloLimiter = createAccountStoreRateLimiter(solo.store, '+15550003333', 1, soloAccount);
      const slot = await soloLimiter.take();
      await slot.refund();
      await soloLimiter.take();
      expect(solo.rows.map((row) => slotOf(row, { [`account:${soloAccount.accountSid}`]: 1000 }, 1000) - Number(row.now_ms) <= 0)).toEqual([true, true]);
      // A sender limited alone (no account rate) shares its row with the joined limiter of the same sender.
      const plain = createStoreRateLimiter(b, '+15550003333', 1);
      const t1 = performance.now();
      await plain.take();
      expect(performance.now() - t1).toBeGreaterThanOrEqual(800);
    });

    it("the account's window: two senders on two connections never reach into more than the account's rate in any second of the store's clock, counted from each send's answer", async () => {
      const [a, b] = await open(2);
      const account = { accountSid: 'AC' + '2'.repeat(32), ratePerSecond: 20 };
      const spans: [number, number][] = [];
      const recorded = [a, b].map((s) => accountSpans(s, `account:${account.accountSid}`, spans));
      const senders = ['+15550004441', '+15550004442'];
      const limiters = recorded.map((s, i) => createAccountStoreRateLimiter(s, senders[i], 15, account));
      await Promise.all(limiters.flatMap((l) => Array.from({ length: 20 }, async () => {
        const slot = await l.take();
        await slot.admit();
        await slot.answered();
      })));
      // Every send took a place in the account's window and counted from its answer (rate-window.ts).
      expect(spans).toHaveLength(40);
      expect(busiestSpans(spans, 999.5)).toBeLessThanOrEqual(account.ratePerSecond);
    });
  });
}

/** A store that adds to `spans` each send's [admitted, answered] in the account's window (the store's clock). */
function accountSpans(store: Store, accountRow: string, spans: [number, number][]): Store {
  return new Proxy(store, {
    get: (target, key) =>
      key === 'readOne'
        ? async (s: Statement, params: Param[]) => {
            const row = await target.readOne<{ sent_at: number | string }>(s, params);
            // The answer's statement: (ring, place, the admitted time it replaces) -> the answer's time.
            if (row && /^UPDATE rate_sends .* RETURNING sent_at$/.test(s.postgres) && params[0] === accountRow) {
              spans.push([Number(params[2]) - IN_FLIGHT_HOLD_MS, Number(row.sent_at)]);
            }
            return row;
          }
        : Reflect.get(target, key),
  });
}
