/**
 * What one inbound text answered with a fast reply costs the store (webhook throughput at saturation
 * is bounded by it): on PostgreSQL five statements besides the dedup claim and stored answer (the message
 * with its audit event, the turn's ticket with its look for earlier ones, the opt-out check, the reply
 * claimed already settled, the ticket given back); on SQLite none commits on its own, all ride the
 * group commit. And what those merged statements still guarantee: one TwiML reply per text however
 * many claim it at once, and a turn first in its line starts without looking again.
 */
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { createInboundLimits } from '../../src/server/inbound-limits.js';
import { createInboundPolicy } from '../../src/server/inbound-policy.js';
import { handleInboundSms, type InboundDeps } from '../../src/server/inbound-sms.js';
import { createMetrics } from '../../src/server/metrics.js';
import { claimAnswerReply } from '../../src/server/reply-keys.js';
import { createSessionRegistry } from '../../src/server/sessions.js';
import { createTurnOrder } from '../../src/server/turn-order.js';
import { createClaimOwner } from '../../src/store/claims.js';
import { claimSettledKey, findKey } from '../../src/store/idempotency.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { countStatements } from '../helpers/statement-count.js';
import { freshPgUrl, PG_URL, requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

const stores: Store[] = [];
const open = async (url: string) => {
  const store = await openStore(url);
  stores.push(store);
  return store;
};
afterAll(async () => {
  for (const s of stores) await s.close();
});

const OUR_NUMBER = '+15550002222';

/** serve's inbound path on `store` (its turn order on PostgreSQL), with an agent that answers at once. */
async function inbound(store: Store) {
  const { config } = await resolveConfig({ env: { XDG_CONFIG_HOME: '/nonexistent', OPENCLAW_TELEPHONY_INBOUND_POLICY: 'open', OPENCLAW_TELEPHONY_ALLOW_FROM: '*' }, cwd: '/' });
  const metrics = createMetrics();
  const errors: Error[] = [];
  const order = store.dialect === 'postgres' ? createTurnOrder(store, 'instance-under-test', (err) => void errors.push(err), { maxWaitMs: 60_000 }) : undefined;
  const deps: InboundDeps = {
    store,
    agent: { kind: 'test', turn: async (t) => `you said ${t.text}` },
    config,
    policy: createInboundPolicy(store, config),
    sessions: createSessionRegistry(50, order),
    metrics,
    limits: createInboundLimits(config.serve.inboundLimits, { metrics, emit: () => {} }),
    claims: createClaimOwner(store),
    sendReply: async () => {
      throw new Error('a fast reply goes in the answer, never through the API');
    },
    background: () => {},
    emit: () => {},
  };
  const text = (sid: string, from: string) => handleInboundSms({ AccountSid: 'AC' + '0'.repeat(32), MessageSid: sid, From: from, To: OUR_NUMBER, Body: 'hello' }, deps);
  return { text, errors };
}

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`an inbound text answered fast on ${kind.name}`, () => {
    it(kind.name === 'postgres' ? 'costs five statements, one round trip each' : 'commits nothing on its own: every write rides the group commit', async () => {
      const url = await kind.url();
      const store = await open(url);
      const watcher = await open(url);
      const { text, errors } = await inbound(store);
      await text('SM' + 'c0'.repeat(16), '+15550004000'); // the first use of every statement, outside the count
      const statements = countStatements(store);
      const answer = await text('SM' + 'c1'.repeat(16), '+15550004001');
      expect(answer.body).toContain('you said hello');
      if (kind.name === 'postgres') {
        // The ticket is given back just after the answer: counted once it is gone.
        await expect.poll(async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM turn_tickets`.execute(watcher.db)).rows[0].n)).toBe(0);
        expect(statements.byMethod).toEqual({ write: 2, readOne: 2, readMany: 0, run: 1 });
      } else {
        expect(statements.byMethod).toEqual({ write: 3, readOne: 1, readMany: 0, run: 0 });
      }
      expect(errors).toEqual([]);
      // The reply's key is claimed and settled as before: a second reply to that text is refused.
      expect(await findKey(watcher, 'reply:SM' + 'c1'.repeat(16))).toMatchObject({ state: 'settled', sid: 'twiml:SM' + 'c1'.repeat(16) });
    });
  });
}

describe.skipIf(!PG_URL)('the statements merged for it, on PostgreSQL', () => {
  it('replies claimed settled at once by two instances: exactly one of them goes, the same words or others', async () => {
    const url = await freshPgUrl();
    const [a, b] = [await open(url), await open(url)];
    const [ownerA, ownerB] = [createClaimOwner(a), createClaimOwner(b)];
    for (let round = 0; round < 10; round++) {
      const reply = (words: string) => ({ messageSid: `SM${round}`, to: '+15550004002', from: OUR_NUMBER, texts: [words], media: [] });
      const same = round % 2 === 0;
      const outcomes = await Promise.all([claimAnswerReply(a, ownerA, reply('one reply')), claimAnswerReply(b, ownerB, reply(same ? 'one reply' : 'another reply'))]);
      expect(outcomes.filter((o) => o === undefined)).toHaveLength(1);
      expect(outcomes.find((o) => o !== undefined)).toMatch(same ? /answered already/ : /another reply to this text was sent or started first/);
    }
    await Promise.all([ownerA.close(), ownerB.close()]);
  });

  it('a key claimed settled is refused when the caller’s key stands for other parameters, or its SID is settled elsewhere', async () => {
    const store = await open(await freshPgUrl());
    const req = (key: string, fingerprint: string) => ({ key, requestKey: 'reply:SMx', scope: 'sms', request: {}, fingerprint });
    expect(await claimSettledKey(store, req('reply:SMx:1/2', 'api-fp'), 'owner-1', 'SM-part-1', {})).toBe(true);
    expect(await claimSettledKey(store, req('reply:SMx', 'twiml-fp'), 'owner-2', 'twiml:SMx', {})).toBe(false);
    expect(await claimSettledKey(store, { ...req('other', 'fp'), requestKey: 'other' }, 'owner-2', 'SM-part-1', {})).toBe(false);
    expect(await findKey(store, 'reply:SMx')).toBeUndefined();
  });

  it('a turn first in its line starts without another statement; one behind an earlier ticket waits for it', async () => {
    const url = await freshPgUrl();
    const store = await open(url);
    const order = createTurnOrder(store, 'instance-under-test', (err) => {
      throw err;
    }, { maxWaitMs: 60_000 });
    const statements = countStatements(store);
    const first = await order.take('sms:+15550004003');
    const second = await order.take('sms:+15550004003');
    expect(statements.count).toBe(2);
    await first.ready();
    expect(statements.count).toBe(2);
    // The second ticket's earlier one is held (by an owner with no live instance row it would be skipped: make it live).
    await sql`INSERT INTO instances (id, host, pid, started_at, version, url, public_url, last_seen) VALUES ('instance-under-test', 'h', 1, '', 't', '', NULL, ${Date.now() + 60_000})`.execute(store.db);
    let started = false;
    const waiting = second.ready().then(() => (started = true));
    await expect.poll(() => statements.count).toBeGreaterThan(3); // it looked, found the first, and looks again
    expect(started).toBe(false);
    await first.done();
    await waiting;
    await second.done();
    order.stop();
  });
});
