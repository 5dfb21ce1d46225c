import { describe, expect, it } from 'vitest';
import { applyDeliveryStatus, decideTransition } from '../../src/store/delivery-status.js';
import { recordMessage } from '../../src/store/message-log.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { pruneOldBodies } from '../../src/store/retention.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

describe("delivery states in Twilio's order", () => {
  const at = (status: string, error_code: number | null = null) => ({ status, error_code });
  const obs = (status: string, errorCode: number | null = null) => ({ status, errorCode });
  it('moves forward only, keeps final states, and calls a second different final state a conflict', () => {
    expect(decideTransition(at('queued'), obs('sending'))).toBe('applied');
    expect(decideTransition(at('queued'), obs('delivered'))).toBe('applied');
    expect(decideTransition(at('sent'), obs('sending'))).toBe('stale');
    expect(decideTransition(at('delivered'), obs('sent'))).toBe('stale');
    expect(decideTransition(at('delivered'), obs('delivered'))).toBe('duplicate');
    expect(decideTransition(at('delivered'), obs('read'))).toBe('applied');
    expect(decideTransition(at('delivered'), obs('failed', 30008))).toBe('conflict');
    expect(decideTransition(at('undelivered', 30003), obs('undelivered', 30005))).toBe('conflict');
    expect(decideTransition(at('failed', 30034), obs('read'))).toBe('conflict');
    expect(decideTransition(undefined, obs('sent'))).toBe('applied');
    expect(decideTransition(at('queued'), obs('teleported'))).toBe('unknown-status');
  });
});

const SID = 'SM' + 'c0'.repeat(16);
const row = (status: string, body = 'hello there') => ({ sid: SID, account_sid: null, direction: 'outbound-api', from_number: '+15550001000', to_number: '+15550002000', body, status, num_segments: 1, error_code: null });
const stored = (store: Store) => store.db.selectFrom('messages').selectAll().where('sid', '=', SID).executeTakeFirstOrThrow();

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`delivery states on ${kind.name}`, () => {
    it('a late sent never overwrites delivered; a repeat is a duplicate; a disagreeing failed is recorded as a conflict', async () => {
      const store = await openStore(await kind.url());
      try {
        await recordMessage(store, row('queued'));
        expect((await applyDeliveryStatus(store, { sid: SID, status: 'sent', errorCode: null })).outcome).toBe('applied');
        expect((await applyDeliveryStatus(store, { sid: SID, status: 'delivered', errorCode: null })).outcome).toBe('applied');
        expect(await applyDeliveryStatus(store, { sid: SID, status: 'sent', errorCode: null })).toMatchObject({ outcome: 'stale', status: 'delivered' });
        expect((await applyDeliveryStatus(store, { sid: SID, status: 'delivered', errorCode: null })).outcome).toBe('duplicate');
        const conflict = await applyDeliveryStatus(store, { sid: SID, status: 'failed', errorCode: 30008 });
        expect(conflict).toMatchObject({ outcome: 'conflict', status: 'delivered', conflict: 'failed (30008) reported after delivered' });
        expect(await stored(store)).toMatchObject({ status: 'delivered', error_code: null, status_conflict: 'failed (30008) reported after delivered' });
      } finally {
        await store.close();
      }
    });

    it('callbacks racing each other end in the furthest state, whatever their order', async () => {
      const store = await openStore(await kind.url());
      try {
        await recordMessage(store, row('queued'));
        const outcomes = await Promise.all(['delivered', 'sent', 'sending', 'sent', 'delivered'].map((status) => applyDeliveryStatus(store, { sid: SID, status, errorCode: null })));
        expect(outcomes.filter((o) => o.outcome === 'conflict')).toEqual([]);
        expect((await stored(store)).status).toBe('delivered');
      } finally {
        await store.close();
      }
    });

    it('a callback that beats the send stores the state under the SID alone; the send then fills in numbers and body without going backwards', async () => {
      const store = await openStore(await kind.url());
      try {
        await applyDeliveryStatus(store, { sid: SID, status: 'undelivered', errorCode: 30034 });
        expect(await stored(store)).toMatchObject({ status: 'undelivered', error_code: 30034, body: '', from_number: '', to_number: '' });
        await recordMessage(store, row('queued'));
        expect(await stored(store)).toMatchObject({ status: 'undelivered', error_code: 30034, body: 'hello there', to_number: '+15550002000' });
      } finally {
        await store.close();
      }
    });

    it('store.retentionDays blanks old bodies (messages, settled keys, decided approvals) and keeps the rows', async () => {
      const store = await openStore(await kind.url());
      try {
        const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
        await recordMessage(store, row('delivered', 'an old secret'));
        await store.db.updateTable('messages').set({ created_at: old }).where('sid', '=', SID).execute();
        await recordMessage(store, { ...row('delivered', 'a new one'), sid: 'SM' + 'c1'.repeat(16) });
        await store.db.insertInto('idempotency_keys').values([
          { key: 'k-old', scope: 'sms', request: '{"body":"an old secret"}', state: 'settled', result: '{}', created_at: old, settled_at: old },
          { key: 'k-pending', scope: 'sms', request: '{"body":"kept to reconcile"}', state: 'pending', result: null, created_at: old, settled_at: null },
        ]).execute();
        await pruneOldBodies(store, 30);
        const bodies = Object.fromEntries((await store.db.selectFrom('messages').select(['sid', 'body', 'status']).execute()).map((r) => [r.sid, r]));
        expect(bodies[SID]).toMatchObject({ body: '', status: 'delivered' });
        expect(bodies['SM' + 'c1'.repeat(16)].body).toBe('a new one');
        const keys = Object.fromEntries((await store.db.selectFrom('idempotency_keys').select(['key', 'request']).execute()).map((r) => [r.key, r.request]));
        expect(keys['k-old']).not.toContain('secret');
        expect(keys['k-pending']).toContain('kept to reconcile');
        await pruneOldBodies(store, 0); // 0 keeps everything: nothing to check but that it does not fail
      } finally {
        await store.close();
      }
    });
  });
}
