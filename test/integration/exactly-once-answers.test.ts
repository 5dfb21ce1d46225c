/**
 * One message per key when answers go wrong between us and Twilio (review A1, A2, A3): two keys for
 * identical texts reconciled at the same moment, a create answered by a gateway's 504 after Twilio
 * made the message, and a create Twilio made after our time limit, listed late. Real SQLite files and
 * the test PostgreSQL server, the sandbox behind a loopback proxy that spoils the answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { deliverMessage, messageFingerprint, type OutboundMessage, SEND_TIMEOUT_MS } from '../../src/messaging/deliver.js';
import { createRateLimiter } from '../../src/messaging/rate-limiter.js';
import { parseFaults } from '../../src/sandbox/faults.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/server.js';
import { type ClaimOwner, createClaimOwner } from '../../src/store/claims.js';
import { settleKey } from '../../src/store/idempotency.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { statement } from '../../src/store/statement.js';
import { createMessage } from '../../src/twilio/messages-api.js';
import { apiError, createRestClient, type RestClient } from '../../src/twilio/rest-client.js';
import { type AnswerFault, startAnswerFaultProxy } from '../helpers/answer-fault-proxy.js';
import { sentMessages } from '../helpers/sent.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

const EXPIRE = statement('UPDATE idempotency_keys SET lease_until = 0 WHERE key = ?');
const ROW = statement('SELECT state, sid, requested_at FROM idempotency_keys WHERE key = ?');
const claimOf = (m: OutboundMessage) => ({ key: m.key, requestKey: m.key, scope: 'sms', request: { to: m.to, from: m.from, body: m.body, media: [] }, fingerprint: messageFingerprint(m) });
const deps = (store: Store, client: RestClient, claims: ClaimOwner) => ({ store, client, claims, limiter: createRateLimiter(100), logger: silentLogger, busyWaitMs: 0 });
const clientAt = (sb: Sandbox, baseUrl = sb.baseUrl): RestClient => {
  const d = sb.describe();
  return createRestClient({ accountSid: d.accountSid, username: d.accountSid, password: d.authToken, baseUrl });
};
const bodies = async (sb: Sandbox, body: string) => (await sentMessages(sb)).filter((m) => m.body === body);
let seq = 0;
const textTo = (sb: Sandbox, body: string, key = `K-${Date.now()}-${++seq}`): OutboundMessage => ({ key, to: `+1555301${String(++seq).padStart(4, '0')}`, from: sb.describe().numbers[0].phoneNumber, body, media: [] });

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`answers gone wrong on ${kind.name}`, () => {
    let store: Store;
    let other: Store;
    let sb: Sandbox;
    beforeAll(async () => {
      const url = await kind.url();
      [store, other] = [await openStore(url), await openStore(url)];
      sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 } });
    });
    afterAll(async () => {
      await sb.close();
      await Promise.all([store.close(), other.close()]);
    });

    it('two identical texts whose keys are reconciled at the same moment are settled with two messages, never one (A1)', async () => {
      const base = textTo(sb, `twin ${kind.name}`);
      const [k1, k2] = [{ ...base, key: `${base.key}:1` }, { ...base, key: `${base.key}:2` }];
      const dead = createClaimOwner(store);
      // The killed run recorded copy 1's request but never made it, and made copy 2's without settling it.
      for (const k of [k1, k2]) {
        await dead.claim(claimOf(k));
        await dead.startRequest(k.key, SEND_TIMEOUT_MS);
      }
      await createMessage(clientAt(sb), k2);
      for (const k of [k1, k2]) {
        dead.done(k.key);
        await store.run(EXPIRE, [k.key]);
      }
      // The two list reads answer together, as two processes reading the list at the same moment do.
      const plain = clientAt(sb);
      let waiting: (() => void)[] | undefined = [];
      const together: RestClient = { ...plain, request: async (method, path, opts) => {
        const answer = await plain.request(method, path, opts);
        if (method === 'GET' && waiting) {
          await new Promise<void>((release) => {
            waiting!.push(release);
            if (waiting!.length === 2) [waiting, waiting = undefined][0]!.forEach((r) => r());
          });
        }
        return answer as never;
      } };
      const rerun = createClaimOwner(store);
      const [r1, r2] = await Promise.all([deliverMessage(k1, deps(store, together, rerun)), deliverMessage(k2, deps(store, together, rerun))]);
      await Promise.all([rerun.close(), dead.close()]);
      expect(r1.sid).not.toBe(r2.sid);
      const sent = await bodies(sb, base.body);
      expect(sent.map((m) => m.sid).sort()).toEqual([r1.sid, r2.sid].sort());
    }, 60_000);

    it('a SID settles one key only, even when two owners settle at once (A1)', async () => {
      const [a, b] = [createClaimOwner(store), createClaimOwner(other)];
      for (let i = 0; i < 20; i++) {
        const [ka, kb] = [`K-sid-${kind.name}-${i}-a`, `K-sid-${kind.name}-${i}-b`];
        await a.claim({ key: ka, requestKey: ka, scope: 'sms', request: {}, fingerprint: 'f' });
        await b.claim({ key: kb, requestKey: kb, scope: 'sms', request: {}, fingerprint: 'f' });
        const outcomes = await Promise.all([settleKey(store, ka, a.id, `SM-same-${i}`, {}), settleKey(other, kb, b.id, `SM-same-${i}`, {})]);
        expect(outcomes.sort()).toEqual(['settled', 'sid-taken']);
        a.done(ka);
        b.done(kb);
      }
      await Promise.all([a.close(), b.close()]);
    });

    it('a create answered 504 by a gateway after Twilio made the message is found in the list: one message, also after a rerun (A2)', async () => {
      const proxy = await startAnswerFaultProxy(sb.baseUrl, (): AnswerFault => ({ kind: 'status', status: 504 }));
      try {
        const m = textTo(sb, `gateway 504 ${kind.name}`);
        const owner = createClaimOwner(store);
        const first = await deliverMessage(m, deps(store, clientAt(sb, proxy.url), owner));
        expect(first).toMatchObject({ sid: expect.stringMatching(/^SM/), deduplicated: false });
        expect(await deliverMessage(m, deps(store, clientAt(sb), owner))).toMatchObject({ sid: first.sid, deduplicated: true });
        await owner.close();
        expect(proxy.creates).toBe(1);
        expect(await bodies(sb, m.body)).toHaveLength(1);
      } finally {
        await proxy.close();
      }
    }, 60_000);

    it('a key failed by a 5xx before this version keeps its request time: the rerun finds its message instead of sending again (A2)', async () => {
      const m = textTo(sb, `failed by 502 ${kind.name}`);
      const old = createClaimOwner(store);
      await old.claim(claimOf(m));
      await old.startRequest(m.key, SEND_TIMEOUT_MS);
      await createMessage(clientAt(sb), m);
      await store.run(statement("UPDATE idempotency_keys SET state = 'failed', result = '{}' WHERE key = ?"), [m.key]);
      old.done(m.key);
      const rerun = createClaimOwner(store);
      expect(await deliverMessage(m, deps(store, clientAt(sb), rerun))).toMatchObject({ deduplicated: true });
      await Promise.all([old.close(), rerun.close()]);
      expect(await bodies(sb, m.body)).toHaveLength(1);
    }, 60_000);

    it('a refusal by Twilio (its own 4xx document) fails the key and forgets its request, so a corrected rerun sends at once (A2)', async () => {
      const m = { ...textTo(sb, `refused ${kind.name}`), to: '+1555' };
      const owner = createClaimOwner(store);
      await expect(deliverMessage(m, deps(store, clientAt(sb), owner))).rejects.toMatchObject({ name: 'TwilioApiError', documented: true });
      expect(await store.readOne(ROW, [m.key])).toMatchObject({ state: 'failed', requested_at: null });
      await owner.close();
    });

    it('a create Twilio makes only after our time limit, and lists 8 s late, is found in the list and not sent again (A3)', async () => {
      const lagging = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 }, faults: parseFaults('listlag:8s') });
      const proxy = await startAnswerFaultProxy(lagging.baseUrl, () => ({ kind: 'hold', ms: SEND_TIMEOUT_MS + 1000 }));
      try {
        const m = textTo(lagging, `slow twilio ${kind.name}`);
        const owner = createClaimOwner(store);
        const sent = await deliverMessage(m, deps(store, clientAt(lagging, proxy.url), owner));
        await owner.close();
        expect(sent).toMatchObject({ sid: expect.stringMatching(/^SM/), deduplicated: false });
        expect(proxy.creates).toBe(1);
        expect((await bodies(lagging, m.body)).map((x) => x.sid)).toEqual([sent.sid]);
      } finally {
        await proxy.close();
        await lagging.close();
      }
    }, 90_000);

    it('a run that stops while it watches for a lost answer: the run taking its key over watches on from the loss and sends nothing again', async () => {
      const lagging = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 }, faults: parseFaults('listlag:8s') });
      // The create reaches the sandbox (the message is made), then the connection drops without an answer.
      const proxy = await startAnswerFaultProxy(lagging.baseUrl, () => ({ kind: 'reset' }));
      try {
        const m = textTo(lagging, `stopped while watching ${kind.name}`);
        const stopped = createClaimOwner(store);
        // A batch's run: the row is put back while the list is watched; then the run is stopped (Ctrl-C lets go of its keys).
        await expect(deliverMessage(m, { ...deps(store, clientAt(lagging, proxy.url), stopped), putBackLostAnswers: true })).rejects.toMatchObject({ name: 'AnswerLostError' });
        expect(await store.readOne(statement('SELECT answer_lost_at FROM idempotency_keys WHERE key = ?'), [m.key])).toMatchObject({ answer_lost_at: expect.anything() });
        await stopped.close();
        // The rerun: the request is older than the few seconds a plain takeover looks for, the list 8 s late.
        // The stopped run let go of the key with its request's fence kept (review S2, session 9): the rerun waits for it.
        const rerun = createClaimOwner(other);
        const again = await deliverMessage(m, { ...deps(other, clientAt(lagging), rerun), busyWaitMs: 30_000 });
        await rerun.close();
        expect(again).toMatchObject({ sid: expect.stringMatching(/^SM/), deduplicated: true });
        expect(proxy.creates).toBe(1);
        expect((await bodies(lagging, m.body)).map((x) => x.sid)).toEqual([again.sid]);
      } finally {
        await proxy.close();
        await lagging.close();
      }
    }, 90_000);

    it('an owner frozen past its fence while Twilio is slow: the run taking its key over watches as a lost answer and sends nothing again (review R1 b)', async () => {
      const lagging = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 }, faults: parseFaults('listlag:8s') });
      const proxy = await startAnswerFaultProxy(lagging.baseUrl, () => ({ kind: 'hold', ms: 6000 }));
      try {
        const m = textTo(lagging, `frozen owner ${kind.name}`);
        const frozen = createClaimOwner(store);
        await frozen.claim(claimOf(m));
        await frozen.startRequest(m.key, SEND_TIMEOUT_MS);
        const inFlight = createMessage(clientAt(lagging, proxy.url), m).catch(() => undefined);
        await expect.poll(() => proxy.creates).toBe(1);
        // The owner froze (a GC pause, a paused VM): nothing renews its key, and by the database's clock
        // its request is now 11 s old, past the send's time limit, and its fence over.
        frozen.done(m.key);
        await store.run(statement('UPDATE idempotency_keys SET lease_until = 0, requested_at = requested_at - 11000, last_request_at = last_request_at - 11000 WHERE key = ?'), [m.key]);
        const successor = createClaimOwner(other);
        const again = await deliverMessage(m, deps(other, clientAt(lagging), successor));
        await Promise.all([successor.close(), inFlight, frozen.close()]);
        expect(again).toMatchObject({ sid: expect.stringMatching(/^SM/), deduplicated: true });
        expect((await bodies(lagging, m.body)).map((x) => x.sid)).toEqual([again.sid]);
      } finally {
        await proxy.close();
        await lagging.close();
      }
    }, 90_000);

    it('a gateway\'s bare 5xx names the problem and a fix, with no dead error link (C8)', () => {
      const err = apiError(504, '<html><body>504 Gateway Time-out</body></html>');
      expect(err.message).toMatch(/HTTP 504 without Twilio's error details: a gateway or proxy/);
      expect(err.hint).toMatch(/status\.twilio\.com.*idempotency-key/);
      expect(err.moreInfo).toBeUndefined();
      expect(err.documented).toBe(false);
    });
  });
}
