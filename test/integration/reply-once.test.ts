/**
 * One reply per inbound text, whichever instance answers it (review R5). Two instances (two claim
 * owners, their own conversations) on one store handle the same text, as when one froze past the
 * liveness expiry and a redelivery made a second turn elsewhere: a reply given back in a TwiML answer
 * claims the text's reply key, and a late one sent through the REST API claims one key per part under
 * the same request key, so whichever comes second, different text or another split, is refused
 * (reply.failed) and the sender gets one reply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { silentLogger } from '../../src/log.js';
import { deliverMessage } from '../../src/messaging/deliver.js';
import { createRateLimiter } from '../../src/messaging/rate-limiter.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/server.js';
import { createInboundLimits } from '../../src/server/inbound-limits.js';
import { createInboundPolicy } from '../../src/server/inbound-policy.js';
import { handleInboundSms, type InboundDeps } from '../../src/server/inbound-sms.js';
import { createMetrics } from '../../src/server/metrics.js';
import { createSessionRegistry } from '../../src/server/sessions.js';
import { type ClaimOwner, createClaimOwner } from '../../src/store/claims.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { createRestClient } from '../../src/twilio/rest-client.js';
import { sentMessages } from '../helpers/sent.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

const SENDER = '+15550004141';

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`one reply per inbound text on ${kind.name}`, () => {
    let sb: Sandbox;
    const stores: Store[] = [];
    const owners: ClaimOwner[] = [];
    let url = '';
    beforeAll(async () => {
      sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 } });
      url = await kind.url();
    });
    afterAll(async () => {
      for (const o of owners) await o.close();
      for (const s of stores) await s.close();
      await sb.close();
    });

    /** One serve instance's inbound path, with an agent that answers `reply` after `delayMs`. */
    async function instance(reply: string, delayMs: number) {
      const { config } = await resolveConfig({
        env: { XDG_CONFIG_HOME: '/nonexistent', OPENCLAW_TELEPHONY_INBOUND_POLICY: 'open', OPENCLAW_TELEPHONY_ALLOW_FROM: '*', OPENCLAW_TELEPHONY_AGENT_REPLY_TIMEOUT_MS: '100', OPENCLAW_TELEPHONY_SMS_MAX_LENGTH: '40' },
        cwd: '/',
      });
      const store = await openStore(url);
      stores.push(store);
      const claims = createClaimOwner(store);
      owners.push(claims);
      const d = sb.describe();
      const client = createRestClient({ accountSid: d.accountSid, username: d.accountSid, password: d.authToken, baseUrl: sb.baseUrl });
      const metrics = createMetrics();
      const failed: string[] = [];
      const background: Promise<unknown>[] = [];
      const agent = { kind: 'test', turn: async () => (await new Promise((r) => setTimeout(r, delayMs)), reply) };
      const deps: InboundDeps = {
        store,
        agent,
        config,
        policy: createInboundPolicy(store, config),
        sessions: createSessionRegistry(50),
        metrics,
        limits: createInboundLimits(config.serve.inboundLimits, { metrics, emit: () => {} }),
        claims,
        sendReply: async (r) => void (await deliverMessage({ ...r, media: r.media ?? [] }, { store, client, claims, limiter: createRateLimiter(100), logger: silentLogger })),
        background: (w) => void background.push(w),
        emit: (event, fields) => void (event === 'reply.failed' && failed.push((fields as { error: string }).error)),
      };
      const text = (sid: string) => handleInboundSms({ AccountSid: d.accountSid, MessageSid: sid, From: SENDER, To: d.numbers[0].phoneNumber, Body: 'hello' }, deps);
      return { text, failed, settled: () => Promise.all(background) };
    }
    const sentFor = async (marker: string) => (await sentMessages(sb)).filter((m) => m.to === SENDER && m.body.includes(marker));

    it('a fast reply in a TwiML answer on one instance, then the late one of the same text on the other: one reply', async () => {
      const sid = `SM${kind.name === 'sqlite' ? 'a1' : 'b1'}${'0'.repeat(30)}`;
      const [b, a] = [await instance('fast reply from B', 0), await instance('late reply from A, long enough for two parts', 500)];
      const answer = await b.text(sid);
      expect(answer.body).toContain('fast reply from B');
      expect((await a.text(sid)).body).not.toContain('<Message');
      await a.settled();
      expect(await sentFor('from A')).toEqual([]);
      expect(a.failed).toEqual([expect.stringContaining('was already used for a different message')]);
    });

    it('two late replies of one text, split differently: only the first goes', async () => {
      const sid = `SM${kind.name === 'sqlite' ? 'a2' : 'b2'}${'0'.repeat(30)}`;
      const [a, b] = [await instance('late reply from A', 300), await instance('late reply from B, long enough for two parts', 300)];
      expect((await a.text(sid)).body).not.toContain('<Message');
      await a.settled();
      expect((await b.text(sid)).body).not.toContain('<Message');
      await b.settled();
      expect((await sentFor('late reply from')).map((m) => m.body)).toEqual(['late reply from A']);
      expect(b.failed).toHaveLength(1);
    });

    it('a late reply sent first: the same text answered fast elsewhere gets an empty answer', async () => {
      const sid = `SM${kind.name === 'sqlite' ? 'a3' : 'b3'}${'0'.repeat(30)}`;
      const [a, b] = [await instance('slow one from A', 300), await instance('quick one from B', 0)];
      await a.text(sid);
      await a.settled();
      const answer = await b.text(sid);
      expect(answer.body).not.toContain('<Message');
      expect(b.failed).toEqual([expect.stringContaining('another reply to this text was sent or started first')]);
      expect((await sentFor('one from')).map((m) => m.body)).toEqual(['slow one from A']);
    });

    it('the same text answered fast twice (a redelivery after a frozen instance): the second answer is empty', async () => {
      const sid = `SM${kind.name === 'sqlite' ? 'a4' : 'b4'}${'0'.repeat(30)}`;
      const [a, b] = [await instance('same words', 0), await instance('same words', 0)];
      expect((await a.text(sid)).body).toContain('same words');
      expect((await b.text(sid)).body).not.toContain('<Message');
      expect(b.failed).toEqual([expect.stringContaining('answered already')]);
    });
  });
}
