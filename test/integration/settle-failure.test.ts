/**
 * Twilio made the message, and the store failed to record it (review S2 of session 9: the key was let
 * go at once and a cooperating run, after a short look at a lagging list, sent a second message).
 * Now a failed settle is tried again, a try that committed before its answer was lost is recognised,
 * and a key still unrecorded keeps its request's fence when let go, so the next owner watches the list
 * until it finds the message. Runs on SQLite and on PostgreSQL, with Twilio's list 8 s late.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { deliverMessage, type OutboundMessage } from '../../src/messaging/deliver.js';
import { createRateLimiter } from '../../src/messaging/rate-limiter.js';
import { parseFaults } from '../../src/sandbox/faults.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/server.js';
import { createClaimOwner } from '../../src/store/claims.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { createRestClient } from '../../src/twilio/rest-client.js';
import { sentMessages } from '../helpers/sent.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 }, faults: parseFaults('listlag:8s') });
});
afterAll(() => sb.close());

const client = () => {
  const d = sb.describe();
  return createRestClient({ accountSid: d.accountSid, username: d.accountSid, password: d.authToken, baseUrl: sb.baseUrl });
};

const isSettle = (stmt: unknown) => JSON.stringify(stmt).includes("SET state = 'settled'");

/**
 * The store with its settle statements failing: `failures` times before running ('before'), or each
 * after committing, as a connection dropped before its answer came back ('after').
 */
function settleFails(store: Store, failures: number, when: 'before' | 'after'): Store {
  let left = failures;
  return Object.create(store, {
    run: {
      value: async (stmt: Parameters<Store['run']>[0], params: Parameters<Store['run']>[1]) => {
        if (!isSettle(stmt) || left <= 0) return store.run(stmt, params);
        left--;
        if (when === 'after') await store.run(stmt, params);
        throw new Error('Connection terminated unexpectedly (injected)');
      },
    },
  }) as Store;
}

/** Waits until the lagging list shows the message, then gives every message with that body. */
async function messagesWithBody(body: string, sid: string) {
  await expect.poll(async () => (await sentMessages(sb)).some((x) => x.sid === sid), { timeout: 20_000, interval: 200 }).toBe(true);
  return (await sentMessages(sb)).filter((x) => x.body === body);
}

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`a message Twilio made and the store failed to record, on ${kind.name}`, () => {
    const deps = (store: Store, claims: ReturnType<typeof createClaimOwner>, busyWaitMs = 0) => ({ store, client: client(), claims, limiter: createRateLimiter(100), logger: silentLogger, busyWaitMs, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) });
    const message = (name: string, to: string): OutboundMessage => {
      const from = sb.describe().numbers[0].phoneNumber;
      return { key: `settle-${name}-${kind.name}`, to, from, body: `settle ${name} ${kind.name} ${Date.now()}`, media: [] };
    };

    const recordedByRetry = [
      { name: 'once', when: 'before', title: 'is recorded by a retry of the settle when the store failed once' },
      // One message: the retry finds this key settled with the SID instead of looking for "its own" message again.
      { name: 'committed', when: 'after', title: "is not taken for another key's message when the failed settle had committed" },
    ] as const;
    for (const [i, c] of recordedByRetry.entries()) {
      it(c.title, async () => {
        const store = await openStore(await kind.url());
        const claims = createClaimOwner(store);
        try {
          const m = message(c.name, `+1555062${kind.name === 'sqlite' ? 1 : 2}00${i + 1}`);
          const result = await deliverMessage(m, deps(settleFails(store, 1, c.when), claims));
          expect(result.deduplicated).toBe(false);
          expect((await messagesWithBody(m.body, result.sid)).map((x) => x.sid)).toEqual([result.sid]);
          const row = await store.db.selectFrom('idempotency_keys').select(['state', 'sid']).where('key', '=', m.key).executeTakeFirstOrThrow();
          expect(row).toEqual({ state: 'settled', sid: result.sid });
        } finally {
          await claims.close();
          await store.close();
        }
      }, 60_000);
    }

    it('is found, not sent again, by a cooperating run when the store kept failing', async () => {
      const url = await kind.url();
      const [storeA, storeB] = [await openStore(url), await openStore(url)];
      const [a, b] = [createClaimOwner(storeA), createClaimOwner(storeB)];
      try {
        const m = message('keeps-failing', `+1555062${kind.name === 'sqlite' ? 1 : 2}003`);
        const errA = await deliverMessage(m, deps(settleFails(storeA, 10, 'before'), a)).then(
          () => undefined,
          (e: Error) => e,
        );
        expect(errA?.message).toMatch(/Twilio made the message SM[0-9a-f]{32} before the store failed to record it/);
        const sidA = /SM[0-9a-f]{32}/.exec(errA!.message)![0];
        await a.close();
        // Run B meets the key at once (a batch running beside A): it waits for A's request to be past
        // reaching Twilio, then watches the list, which shows A's message 8 s after it was made.
        const resB = await deliverMessage(m, deps(storeB, b, 60_000));
        expect(resB).toMatchObject({ sid: sidA, deduplicated: true });
        expect((await messagesWithBody(m.body, sidA)).map((x) => x.sid)).toEqual([sidA]);
      } finally {
        await Promise.all([a.close(), b.close()]);
        await Promise.all([storeA.close(), storeB.close()]);
      }
    }, 90_000);
  });
}
