/**
 * A store written before keys had a request time (migration 017) keeps its exactly-once promise across
 * the upgrade (review R4): a pending key a killed run of that version left (claimed before the request,
 * so possibly sent) and a failed key (possibly a lost answer) are looked for in Twilio's list before any
 * resend, as that version did, instead of counting as never requested; so is a key migration 018 folds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { deliverMessage, messageFingerprint, type OutboundMessage } from '../../src/messaging/deliver.js';
import { createRateLimiter } from '../../src/messaging/rate-limiter.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/server.js';
import { createClaimOwner } from '../../src/store/claims.js';
import { openStore } from '../../src/store/open-store.js';
import { createMessage } from '../../src/twilio/messages-api.js';
import { createRestClient } from '../../src/twilio/rest-client.js';
import { migrateStoreDownTo } from '../helpers/older-store.js';
import { sentMessages } from '../helpers/sent.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

let sb: Sandbox;
beforeAll(async () => {
  sb = await startSandbox({ port: 0, deliveryDelayMs: 10, rates: { longcode: 1000 } });
});
afterAll(() => sb.close());

const client = () => {
  const d = sb.describe();
  return createRestClient({ accountSid: d.accountSid, username: d.accountSid, password: d.authToken, baseUrl: sb.baseUrl });
};

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`a store from before request times, on ${kind.name}`, () => {
    it('reconciles the keys an older version may have sent, and sends nothing twice', async () => {
      const url = await kind.url();
      const from = sb.describe().numbers[0].phoneNumber;
      const text = (n: number): OutboundMessage => ({ key: `old-${kind.name}-${n}`, to: `+1555302${kind.name === 'sqlite' ? 1 : 2}00${n}`, from, body: `sent by the older version ${kind.name} ${n}`, media: [] });
      const [pending, failed, settled, twin] = [text(1), text(2), text(3), text(4)];
      // The older version claimed each key, then made the request; it died (pending) or lost the answer (failed).
      const now = new Date().toISOString();
      const old = await openStore(url);
      await migrateStoreDownTo(old, '016_rate_sends');
      const row = (m: OutboundMessage, state: string, sid: string | null) => ({
        key: m.key, request_key: m.key, scope: 'sms', request: JSON.stringify({ to: m.to, from: m.from, body: m.body, media: [] }), fingerprint: messageFingerprint(m),
        state, result: sid ? JSON.stringify({ sid }) : null, sid, owner: state === 'pending' ? 'gone-host:1:dead' : null, lease_until: 0, created_at: now, settled_at: state === 'pending' ? null : now,
      });
      for (const m of [pending, failed]) await createMessage(client(), m);
      await old.db.insertInto('idempotency_keys').values([row(pending, 'pending', null), row(failed, 'failed', null), row(settled, 'settled', 'SMold'), { ...row(twin, 'settled', 'SMold'), settled_at: `${now}~later` }] as never).execute();
      await old.close();

      const store = await openStore(url);
      try {
        const rows = await store.db.selectFrom('idempotency_keys').select(['key', 'requested_at']).where('key', 'like', `old-${kind.name}-%`).orderBy('key').execute();
        expect(rows.map((r) => [r.key, r.requested_at === null ? null : Number(r.requested_at)])).toEqual([
          [pending.key, Date.parse(now)],
          [failed.key, Date.parse(now)],
          [settled.key, null],
          // Settled with another key's message (folded by migration 018): looked for again before it is sent.
          [twin.key, Date.parse(now)],
        ]);
        const owner = createClaimOwner(store);
        for (const m of [pending, failed]) {
          const result = await deliverMessage(m, { store, client: client(), claims: owner, limiter: createRateLimiter(100), logger: silentLogger, busyWaitMs: 0 });
          expect(result).toMatchObject({ deduplicated: true });
          expect((await sentMessages(sb)).filter((x) => x.body === m.body)).toHaveLength(1);
        }
        await owner.close();
      } finally {
        await store.close();
      }
    }, 60_000);
  });
}
