/**
 * Migration 018 (a SID settles one key) opens a store written before it in which two keys were settled
 * with one message: the key settled first keeps the SID, the other becomes failed and keeps its request
 * time, so its next run looks for its own message and sends it if missing; then the database refuses a
 * second settled key for a SID.
 */
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { migrateStoreDownTo } from '../helpers/older-store.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

const key = (k: string, sid: string | null, settledAt: string | null, state = 'settled') => ({
  key: k, request_key: k, scope: 'sms', request: '{}', fingerprint: 'f', state, result: sid ? JSON.stringify({ sid }) : null, sid, owner: null, lease_until: 0, created_at: '2026-01-01T00:00:00.000Z', settled_at: settledAt, requested_at: 1767225600000,
});

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`migration 018 on ${kind.name}`, () => {
    it('folds keys settled with one SID, then the index holds', async () => {
      const url = await kind.url();
      const old = await openStore(url);
      await migrateStoreDownTo(old, '017_idempotency_requested_at_and_atomic_claim');
      await old.db.insertInto('idempotency_keys').values([
        key('batch:b:1', 'SM1', '2026-01-01T00:00:02.000Z'),
        key('batch:b:2', 'SM1', '2026-01-01T00:00:01.000Z'),
        key('batch:b:3', 'SM1', '2026-01-01T00:00:01.000Z'),
        key('batch:b:4', 'SM2', '2026-01-01T00:00:03.000Z'),
        key('batch:b:5', null, null, 'pending'),
      ] as never).execute();
      await old.close();

      const store = await openStore(url);
      try {
        expect(store.migrated[0]).toBe('018_idempotency_settled_sid_unique');
        const rows = await store.db.selectFrom('idempotency_keys').select(['key', 'state', 'sid', 'requested_at']).orderBy('key').execute();
        expect(rows.map((r) => [r.key, r.state, r.sid, Number(r.requested_at)])).toEqual([
          ['batch:b:1', 'failed', null, 1767225600000],
          ['batch:b:2', 'settled', 'SM1', 1767225600000],
          ['batch:b:3', 'failed', null, 1767225600000],
          ['batch:b:4', 'settled', 'SM2', 1767225600000],
          ['batch:b:5', 'pending', null, 1767225600000],
        ]);
        const folded = await store.db.selectFrom('idempotency_keys').select('result').where('key', '=', 'batch:b:1').executeTakeFirstOrThrow();
        expect(JSON.parse(folded.result!)).toMatchObject({ code: 'duplicate_sid' });
        await expect(store.db.updateTable('idempotency_keys').set({ state: 'settled', sid: 'SM1' }).where('key', '=', 'batch:b:5').execute()).rejects.toThrow(/unique|UNIQUE/);
      } finally {
        await store.close();
      }
    });
  });
}
