/**
 * Nothing is sent twice when runs crash, stall, or run on machines whose clocks differ, and when
 * Twilio's list lags behind (review findings 1, 2, 3, 10, 11c). Real SQLite files and the test
 * PostgreSQL server, the sandbox for Twilio; a "dead" run is a claim owner whose lease is made to run
 * out, as a kill -9 leaves it.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { monotonicMs } from '../../src/monotonic-ms.js';
import { deliverMessage, messageFingerprint, type OutboundMessage, SEND_TIMEOUT_MS } from '../../src/messaging/deliver.js';
import { createRateLimiter } from '../../src/messaging/rate-limiter.js';
import { findSentMessage } from '../../src/messaging/reconcile.js';
import { parseFaults } from '../../src/sandbox/faults.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/server.js';
import { type ClaimOwner, createClaimOwner, FENCE_MARGIN_MS, LEASE_MS } from '../../src/store/claims.js';
import { renewOwnerKeys, settleKey } from '../../src/store/idempotency.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { NOW_MS, statement, statementPair } from '../../src/store/statement.js';
import { createMessage } from '../../src/twilio/messages-api.js';
import { createRestClient, type RestClient } from '../../src/twilio/rest-client.js';
import { sentMessages } from '../helpers/sent.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

const EXPIRE = statement('UPDATE idempotency_keys SET lease_until = 0 WHERE key = ?');
const ROW = statementPair(`SELECT *, ${NOW_MS.sqlite} AS db_now FROM idempotency_keys WHERE key = ?`, `SELECT *, ${NOW_MS.postgres} AS db_now FROM idempotency_keys WHERE key = $1`);

interface Row {
  state: string;
  owner: string | null;
  sid: string | null;
  created_at: string;
  requested_at: number | string | null;
  lease_until: number | string;
  db_now: number | string;
}
const rowOf = async (store: Store, key: string) => (await store.readOne<Row>(ROW, [key]))!;

const clientOf = (sb: Sandbox): RestClient => {
  const d = sb.describe();
  return createRestClient({ accountSid: d.accountSid, username: d.accountSid, password: d.authToken, baseUrl: sb.baseUrl });
};

let seq = 0;
const messageTo = (sb: Sandbox, body: string): OutboundMessage => ({ key: `K-${Date.now()}-${++seq}`, to: `+1555300${String(seq).padStart(4, '0')}`, from: sb.describe().numbers[0].phoneNumber, body, media: [] });
const claimOf = (m: OutboundMessage) => ({ key: m.key, requestKey: m.key, scope: 'sms', request: { to: m.to, from: m.from, body: m.body, media: [] }, fingerprint: messageFingerprint(m) });

/** What a run leaves when it is killed after making the request (`send`) or before it, once its lease has run out. */
async function diedHolding(store: Store, owner: ClaimOwner, m: OutboundMessage, step: { requested: boolean; client?: RestClient }) {
  expect(await owner.claim(claimOf(m))).toMatchObject({ kind: 'claimed', takenOver: false });
  let sid: string | undefined;
  if (step.requested) {
    expect(await owner.startRequest(m.key, SEND_TIMEOUT_MS)).toBeDefined();
    if (step.client) sid = (await createMessage(step.client, m)).sid;
  }
  owner.done(m.key);
  await store.run(EXPIRE, [m.key]);
  return sid;
}

const bodies = async (sb: Sandbox, body: string) => (await sentMessages(sb)).filter((x) => x.body === body);
const deps = (store: Store, client: RestClient, claims: ClaimOwner) => ({ store, client, claims, limiter: createRateLimiter(100), logger: silentLogger, busyWaitMs: 0 });

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`exactly once on ${kind.name}`, () => {
    let store: Store;
    let other: Store;
    let a: ClaimOwner;
    let b: ClaimOwner;
    beforeAll(async () => {
      const url = await kind.url();
      [store, other] = [await openStore(url), await openStore(url)];
      [a, b] = [createClaimOwner(store), createClaimOwner(other)];
    });
    afterAll(async () => {
      await Promise.all([a.close(), b.close()]);
      await Promise.all([store.close(), other.close()]);
    });

    it('a key\'s creation and request times come from the database clock, not from a run whose clock is 3 minutes fast (finding 2)', async () => {
      const m = { key: `K-skew-${kind.name}`, to: '+15553009999', from: '+15550001111', body: 'skew', media: [] };
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        vi.setSystemTime(Date.now() + 180_000);
        await a.claim(claimOf(m));
        await a.startRequest(m.key, SEND_TIMEOUT_MS);
      } finally {
        vi.useRealTimers();
        a.done(m.key);
      }
      const row = await rowOf(store, m.key);
      expect(Math.abs(Date.parse(row.created_at) - Number(row.db_now))).toBeLessThan(30_000);
      expect(Math.abs(Number(row.requested_at) - Number(row.db_now))).toBeLessThan(30_000);
    });

    it('a one-chunk and a two-chunk text under one caller\'s key are never both claimed (finding 10)', async () => {
      let both = 0;
      for (let i = 0; i < 100; i++) {
        const K = `K-conflict-${i}`;
        const [ra, rb] = await Promise.all([
          a.claim({ key: K, requestKey: K, scope: 'sms', request: { body: 'short' }, fingerprint: 'f-short' }),
          b.claim({ key: `${K}#1/2`, requestKey: K, scope: 'sms', request: { body: 'long' }, fingerprint: 'f-long' }),
        ]);
        if (ra.kind === 'claimed' && rb.kind === 'claimed') both++;
        expect([ra.kind, rb.kind].sort()).toEqual(['claimed', 'conflict']);
        a.done(K);
        b.done(`${K}#1/2`);
      }
      expect(both).toBe(0);
    });

    it('a request fences its key past the lease, the heartbeat never shortens the fence, and only the owner settles (finding 3)', async () => {
      const m = { key: `K-fence-${kind.name}`, to: '+15553009998', from: '+15550001111', body: 'fence', media: [] };
      await a.claim(claimOf(m));
      const fence = (await a.startRequest(m.key, SEND_TIMEOUT_MS))!;
      expect(fence.timeLeftMs()).toBeLessThanOrEqual(SEND_TIMEOUT_MS);
      await renewOwnerKeys(store, a.id, LEASE_MS);
      let row = await rowOf(store, m.key);
      // The request is given up locally before the key can be taken over.
      expect(Number(row.lease_until) - Number(row.db_now)).toBeGreaterThan(fence.timeLeftMs() + FENCE_MARGIN_MS - 1000);
      expect(await b.claim(claimOf(m))).toMatchObject({ kind: 'busy', owner: a.id });
      // A run that lost its key (its fence ran out, another took it over) settles nothing.
      await store.run(EXPIRE, [m.key]);
      expect(await b.claim(claimOf(m))).toMatchObject({ kind: 'claimed', takenOver: true, earlierRequest: { at: fence.requestedAt } });
      expect(await settleKey(store, m.key, a.id, 'SM-stale', {})).toBe('lost');
      row = await rowOf(store, m.key);
      expect(row).toMatchObject({ state: 'pending', owner: b.id, sid: null });
      expect(await settleKey(other, m.key, b.id, 'SM-owner', {})).toBe('settled');
      a.done(m.key);
      b.done(m.key);
    });

    it.skipIf(kind.name !== 'sqlite')('a killed owner\'s fenced key is taken over at once on SQLite (the fence adds no wait) and carries its request to reconcile', async () => {
      const m = { key: 'K-dead-fenced', to: '+15553009997', from: '+15550001111', body: 'dead fenced', media: [] };
      await a.claim(claimOf(m));
      const fence = (await a.startRequest(m.key, SEND_TIMEOUT_MS))!;
      a.done(m.key);
      // The owner as a process of this machine that is gone (a child that exited), its fence still live.
      const child = spawn(process.execPath, ['-e', '0']);
      await new Promise((resolve) => child.on('exit', resolve));
      await store.run(statement('UPDATE idempotency_keys SET owner = ? WHERE key = ?'), [a.id.replace(/:\d+:/, `:${child.pid}:`), m.key]);
      expect(await b.claim(claimOf(m))).toMatchObject({ kind: 'claimed', takenOver: true, earlierRequest: { at: fence.requestedAt } });
      b.done(m.key);
    });

    describe('against the sandbox', () => {
      let sb: Sandbox;
      let client: RestClient;
      beforeAll(async () => {
        sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 } });
        client = clientOf(sb);
      });
      afterAll(() => sb.close());

      it('a stalled owner\'s request keeps another run off its key until it settles: one message (finding 3)', async () => {
        const m = messageTo(sb, `stalled ${kind.name}`);
        // A's request leaves, then takes longer than a lease to come back, while A's heartbeat cannot reach the store.
        let partitioned = false;
        const storeA = new Proxy(store, { get: (t, k) => (k === 'run' ? (s: never, p: never) => (partitioned && /WHERE owner = \?/.test((s as { sqlite: string }).sqlite) ? Promise.reject(new Error('store unreachable')) : t.run(s, p)) : Reflect.get(t, k)) });
        const stalled: RestClient = { ...client, request: async (method, path, opts) => {
          if (method === 'POST') partitioned = true;
          const answer = await client.request(method, path, opts);
          if (method === 'POST') await new Promise((r) => setTimeout(r, LEASE_MS + 1500)); // the stall: a fault, not a wait for a result
          return answer as never;
        } };
        const owner = createClaimOwner(storeA);
        const first = deliverMessage(m, deps(storeA, stalled, owner));
        await vi.waitFor(async () => expect((await rowOf(store, m.key))?.requested_at).not.toBeNull(), { timeout: 10_000 });
        await vi.waitFor(async () => expect(Number((await rowOf(store, m.key)).db_now) - Date.parse((await rowOf(store, m.key)).created_at)).toBeGreaterThan(LEASE_MS + 500), { timeout: 15_000, interval: 200 });
        // Past a plain lease: B still meets a busy key, and sends nothing.
        await expect(deliverMessage(m, deps(other, client, b))).rejects.toMatchObject({ code: 'key_in_flight' });
        const sent = await first;
        expect(await deliverMessage(m, deps(other, client, b))).toMatchObject({ sid: sent.sid, deduplicated: true });
        expect(await bodies(sb, m.body)).toHaveLength(1);
        await owner.close();
      });

      it('a send that waits for its API request slot past half its time limit renews its fence first; without time left before its fence, no request is made (finding 3)', async () => {
        const d = sb.describe();
        let open!: () => void;
        const slotFree = new Promise<void>((resolve) => (open = resolve));
        const gated = createRestClient({ accountSid: d.accountSid, username: d.accountSid, password: d.authToken, baseUrl: sb.baseUrl, gate: { enter: async () => (await slotFree, () => {}) } });
        const m = messageTo(sb, `gated ${kind.name}`);
        const sending = deliverMessage(m, deps(store, gated, a));
        await vi.waitFor(async () => {
          const row = await rowOf(store, m.key);
          expect(Number(row.db_now) - Number(row.requested_at)).toBeGreaterThan(SEND_TIMEOUT_MS / 2 + 500);
        }, { timeout: 20_000, interval: 200 });
        open();
        expect(await sending).toMatchObject({ deduplicated: false });
        expect(await bodies(sb, m.body)).toHaveLength(1);
        // A fence whose time is already gone (a store that took too long): the request does not leave.
        const late = await createMessage(client, { ...m, body: `late ${kind.name}` }, { beforeSend: async () => monotonicMs() + 10 }).catch((e: Error) => e);
        expect(late).toMatchObject({ name: 'RequestNotMadeError' });
        expect(await bodies(sb, `late ${kind.name}`)).toHaveLength(0);
      });

      it('a dead owner\'s key that was never requested is sent without looking in Twilio\'s list (finding 1)', async () => {
        const m = messageTo(sb, `never requested ${kind.name}`);
        await diedHolding(store, a, m, { requested: false });
        let lists = 0;
        const counting: RestClient = { ...client, request: (method, path, opts) => ((lists += method === 'GET' ? 1 : 0), client.request(method, path, opts)) };
        expect(await deliverMessage(m, deps(other, counting, b))).toMatchObject({ deduplicated: false });
        expect(lists).toBe(0);
        expect(await bodies(sb, m.body)).toHaveLength(1);
      });

      it('a dead owner\'s request found queued (no sent date yet) is settled, not resent (finding 1)', async () => {
        const slow = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 0.1 } });
        try {
          const slowClient = clientOf(slow);
          const filler = messageTo(slow, 'first in the queue');
          await createMessage(slowClient, filler);
          const m = messageTo(slow, `queued ${kind.name}`);
          const sid = await diedHolding(store, a, m, { requested: true, client: slowClient });
          const result = await deliverMessage(m, deps(other, slowClient, b));
          expect(result).toMatchObject({ sid, deduplicated: true, status: 'queued' });
          expect(await bodies(slow, m.body)).toHaveLength(1);
        } finally {
          await slow.close();
        }
      });

      it('a dead owner\'s request missing from a lagging list is looked for again, not resent after one empty list; one never made is sent after the looks (finding 1)', async () => {
        const lagging = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 }, faults: parseFaults('listlag:2s') });
        try {
          const lagClient = clientOf(lagging);
          const m = messageTo(lagging, `lagging ${kind.name}`);
          const sid = await diedHolding(store, a, m, { requested: true, client: lagClient });
          expect(await deliverMessage(m, deps(other, lagClient, b))).toMatchObject({ sid, deduplicated: true });
          // The run died between recording its request and making it: Twilio never lists it, so it is sent.
          const never = messageTo(lagging, `recorded, never made ${kind.name}`);
          await diedHolding(store, a, never, { requested: true });
          expect(await deliverMessage(never, deps(other, lagClient, b))).toMatchObject({ deduplicated: false });
          await vi.waitFor(async () => {
            expect(await bodies(lagging, m.body)).toHaveLength(1);
            expect(await bodies(lagging, never.body)).toHaveLength(1);
          }, { timeout: 30_000, interval: 500 });
        } finally {
          await lagging.close();
        }
      });

      it('reconciling never takes someone else\'s identical text sent before our request, nor a SID settled under another key (finding 11c)', async () => {
        const m = messageTo(sb, `identical ${kind.name}`);
        // Another app sent the very same text to the same number ninety seconds before our request (the
        // in-process sandbox dates it by this process's clock, set back for that create only).
        vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
        vi.setSystemTime(Date.now() - 90_000);
        const theirs = await createMessage(client, m).finally(() => vi.useRealTimers());
        expect(await findSentMessage(client, store, { ...m, requestedAt: Date.now() })).toBeUndefined();
        expect(await findSentMessage(client, store, { ...m, requestedAt: Date.now() - 90_000 })).toMatchObject({ sid: theirs.sid });
        // Settled under another of our keys: not ours either.
        await a.claim(claimOf({ ...m, key: `${m.key}-other` }));
        expect(await settleKey(store, `${m.key}-other`, a.id, theirs.sid, {})).toBe('settled');
        a.done(`${m.key}-other`);
        expect(await findSentMessage(client, store, { ...m, requestedAt: Date.now() })).toBeUndefined();
      });

      it('a request that never left (no connection) leaves its key "never requested": the rerun sends at once', async () => {
        const m = messageTo(sb, `refused ${kind.name}`);
        const d = sb.describe();
        const closed = createRestClient({ accountSid: d.accountSid, username: d.accountSid, password: d.authToken, baseUrl: 'http://127.0.0.1:9' });
        await expect(deliverMessage(m, { ...deps(store, closed, a), maxRetries: 1, sleep: async () => {} })).rejects.toMatchObject({ code: 'network' });
        expect(await rowOf(store, m.key)).toMatchObject({ state: 'pending', requested_at: null });
        let lists = 0;
        const counting: RestClient = { ...client, request: (method, path, opts) => ((lists += method === 'GET' ? 1 : 0), client.request(method, path, opts)) };
        expect(await deliverMessage(m, deps(other, counting, b))).toMatchObject({ deduplicated: false });
        expect(lists).toBe(0);
        expect(await bodies(sb, m.body)).toHaveLength(1);
      });
    });
  });
}
