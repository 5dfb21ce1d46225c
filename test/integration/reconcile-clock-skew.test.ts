/**
 * The store's clock minutes off Twilio's (review R9): a run that died after Twilio accepted its message
 * is found by the run taking its key over, whichever clock is ahead, so nothing is sent twice. Twilio's
 * clock is the in-process sandbox's, set 2 minutes behind or ahead of the store's by faking Date in this
 * process only; the store's clock is SQLite's, which reads the operating system's clock.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { deliverMessage, type OutboundMessage } from '../../src/messaging/deliver.js';
import { createRateLimiter } from '../../src/messaging/rate-limiter.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/server.js';
import { createClaimOwner } from '../../src/store/claims.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { createRestClient } from '../../src/twilio/rest-client.js';
import { sentMessages } from '../helpers/sent.js';
import { sqliteUrl } from '../helpers/stores.js';

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
