/**
 * OpenClaw asks, after a crash, whether a queued delivery reached Twilio: the answer comes from the
 * keys `openclaw:<queue id>:<part>` in the store (unknown-send.ts), on SQLite and PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { deliveryPartKey, verdictOf } from '../../src/openclaw/unknown-send.js';
import { createClaimOwner, fingerprintOf } from '../../src/store/claims.js';
import { settleKey } from '../../src/store/idempotency.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { requestProgress } from '../../src/store/request-progress.js';
import { statement } from '../../src/store/statement.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

const EXPIRE = statement('UPDATE idempotency_keys SET lease_until = 0 WHERE request_key = ?');
const claimOf = (key: string, requestKey: string) => ({ key, requestKey, scope: 'sms', request: { to: '+15550001111' }, fingerprint: fingerprintOf({ to: '+15550001111', body: requestKey }) });
const progress = (store: Store, queueId: string, parts = 1) => Promise.all(Array.from({ length: parts }, (_, i) => requestProgress(store, deliveryPartKey(queueId, i))));

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`OpenClaw's unknown sends on ${kind.name}`, () => {
    it('never claimed: not sent; in flight: unresolved; settled in every chunk: sent, with the SIDs in chunk order', async () => {
      const store = await openStore(await kind.url());
      const owner = createClaimOwner(store);
      try {
        expect(verdictOf(await progress(store, 'q-none'), 'text')).toEqual({ status: 'not_sent' });

        // A two-chunk text: chunk 2 settled first, chunk 1 still being sent by a live run.
        const part = deliveryPartKey('q-text', 0);
        for (const chunk of ['#1/2', '#2/2']) expect(await owner.claim(claimOf(part + chunk, part))).toMatchObject({ kind: 'claimed' });
        await settleKey(store, `${part}#2/2`, owner.id, 'SM0000000000000000000000000000002', {});
        expect(verdictOf(await progress(store, 'q-text'), 'text')).toMatchObject({ status: 'unresolved', retryable: true });

        await settleKey(store, `${part}#1/2`, owner.id, 'SM0000000000000000000000000000001', {});
        const sent = verdictOf(await progress(store, 'q-text'), 'text');
        expect(sent).toMatchObject({ status: 'sent', messageId: 'SM0000000000000000000000000000001' });
        expect(sent.status === 'sent' && sent.receipt).toMatchObject({
          primaryPlatformMessageId: 'SM0000000000000000000000000000001',
          platformMessageIds: ['SM0000000000000000000000000000001', 'SM0000000000000000000000000000002'],
          parts: [{ index: 0, kind: 'text' }, { index: 1, kind: 'text' }],
        });
      } finally {
        await owner.close();
        await store.close();
      }
    });

    it('left pending by a dead run, or with a part never started: not sent, because the replay goes through the same keys', async () => {
      const store = await openStore(await kind.url());
      const owner = createClaimOwner(store);
      try {
        const part = deliveryPartKey('q-dead', 0);
        expect(await owner.claim(claimOf(part, part))).toMatchObject({ kind: 'claimed' });
        await store.run(EXPIRE, [part]);
        expect(verdictOf(await progress(store, 'q-dead'), 'text')).toEqual({ status: 'not_sent' });

        // Two attachments: the first MMS settled, the second never claimed.
        const first = deliveryPartKey('q-media', 0);
        expect(await owner.claim(claimOf(first, first))).toMatchObject({ kind: 'claimed' });
        await settleKey(store, first, owner.id, 'MM0000000000000000000000000000001', {});
        expect(verdictOf(await progress(store, 'q-media', 2), 'media')).toEqual({ status: 'not_sent' });
        expect(verdictOf(await progress(store, 'q-media', 1), 'media')).toMatchObject({ status: 'sent', receipt: { parts: [{ kind: 'media', platformMessageId: 'MM0000000000000000000000000000001' }] } });
      } finally {
        await owner.close();
        await store.close();
      }
    });
  });
}
