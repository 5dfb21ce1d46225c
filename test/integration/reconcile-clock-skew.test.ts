/**
 * The store's clock minutes off Twilio's (review R9): a run that died after Twilio accepted its message
 * is found by the run taking its key over, whichever clock is ahead, so nothing is sent twice. Twilio's
 * clock is the in-process sandbox's, set 2 minutes behind or ahead of the store's by faking Date in this
 * process only; the store's clock is SQLite's, which reads the operating system's clock.
 * And a store clock set back between the request and the look (review S3 of session 9: a fast desktop
 * clock corrected after a crash, NTP stepping a resumed VM or the database host): the request time on
 * the key lies in the store's future, and the message is still found. Both stores.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { deliverMessage, type OutboundMessage } from '../../src/messaging/deliver.js';
import { createRateLimiter } from '../../src/messaging/rate-limiter.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/server.js';
import { createClaimOwner } from '../../src/store/claims.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { createRestClient } from '../../src/twilio/rest-client.js';
import { messageFingerprint, SEND_TIMEOUT_MS } from '../../src/messaging/deliver.js';
import { statement } from '../../src/store/statement.js';
import { createMessage } from '../../src/twilio/messages-api.js';
import { sentMessages } from '../helpers/sent.js';
import { requirePgInCi, sqliteUrl, storeKinds } from '../helpers/stores.js';

requirePgInCi();

describe("the store's clock two minutes off Twilio's", () => {
  let store: Store;
  let sb: Sandbox;
  beforeAll(async () => {
    store = await openStore(sqliteUrl());
    sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 } });
  });
  afterEach(() => void vi.useRealTimers());
  afterAll(async () => {
    await sb.close();
    await store.close();
  });

  for (const skewMs of [120_000, -120_000]) {
    it(`store ${skewMs > 0 ? 'ahead of' : 'behind'} Twilio: a run that died after Twilio accepted its message is found by the next, which sends nothing`, async () => {
      vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
      vi.setSystemTime(Date.now() - skewMs);
      const d = sb.describe();
      const client = createRestClient({ accountSid: d.accountSid, username: d.accountSid, password: d.authToken, baseUrl: sb.baseUrl });
      const m: OutboundMessage = { key: `skew-${skewMs}-${process.pid}`, to: `+155530191${skewMs > 0 ? 1 : 2}1`, from: d.numbers[0].phoneNumber, body: `clock skew ${skewMs} ${process.pid}`, media: [] };
      const deps = { store, client, limiter: createRateLimiter(100), logger: silentLogger };
      const dead = createClaimOwner(store);
      await expect(deliverMessage(m, { ...deps, claims: dead, afterAccepted: () => { throw new Error('killed after the 201'); } })).rejects.toThrow('killed');
      // A fresh process: it has not read Twilio's clock yet when it starts looking.
      const rerun = createClaimOwner(store);
      const fresh = createRestClient({ accountSid: d.accountSid, username: d.accountSid, password: d.authToken, baseUrl: sb.baseUrl });
      const again = await deliverMessage(m, { ...deps, client: fresh, claims: rerun });
      await Promise.all([rerun.close(), dead.close()]);
      expect(again).toMatchObject({ deduplicated: true });
      expect((await sentMessages(sb)).filter((x) => x.body === m.body)).toHaveLength(1);
    }, 60_000);
  }
});

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`the store's clock set back after the request, on ${kind.name}`, () => {
    let sb: Sandbox;
    beforeAll(async () => {
      sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 } });
    });
    afterAll(() => sb.close());

    for (const stepMs of [120_000, 0]) {
      it(`a request recorded by a clock ${stepMs / 1000} s fast, looked for after the correction: found, nothing sent again`, async () => {
        const store = await openStore(await kind.url());
        const d = sb.describe();
        const client = () => createRestClient({ accountSid: d.accountSid, username: d.accountSid, password: d.authToken, baseUrl: sb.baseUrl });
        const m: OutboundMessage = { key: `stepped-${stepMs}`, to: `+155530193${stepMs ? 1 : 2}${kind.name === 'sqlite' ? 1 : 2}`, from: d.numbers[0].phoneNumber, body: `clock stepped back ${stepMs} ${kind.name} ${process.pid}`, media: [] };
        const dead = createClaimOwner(store);
        const next = createClaimOwner(store);
        try {
          await dead.claim({ key: m.key, requestKey: m.key, scope: 'sms', request: { to: m.to, from: m.from, body: m.body, media: [] }, fingerprint: messageFingerprint(m) });
          await dead.startRequest(m.key, SEND_TIMEOUT_MS);
          await createMessage(client(), m);
          // The run dies after Twilio made the message; the store's clock was stepMs fast when it wrote the request.
          dead.done(m.key);
          await store.run(statement('UPDATE idempotency_keys SET owner = NULL, lease_until = 0, requested_at = requested_at + ?, last_request_at = last_request_at + ? WHERE key = ?'), [stepMs, stepMs, m.key]);
          const again = await deliverMessage(m, { store, client: client(), claims: next, limiter: createRateLimiter(100), logger: silentLogger, busyWaitMs: 0 });
          expect(again).toMatchObject({ deduplicated: true });
          expect((await sentMessages(sb)).filter((x) => x.body === m.body)).toHaveLength(1);
        } finally {
          await Promise.all([dead.close(), next.close()]);
          await store.close();
        }
      }, 60_000);
    }
  });
}
