/**
 * Migration 014 (one pending approval per key) opens a store written before it that holds copies of
 * a pending approval: each key keeps its oldest pending row, decided rows stay, and afterwards the
 * database itself refuses a second pending row for a key.
 */
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open-store.js';
import { requestApproval } from '../../src/store/approvals.js';
import { migrateStoreDownTo } from '../helpers/older-store.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

const row = (id: string, key: string, status: string, created: string) => ({ id, key, kind: 'sms', request: '{}', status, reason: 'first contact', created_at: created, decided_at: null, origin: 'sandbox' });

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`migration 014 on ${kind.name}`, () => {
    it('folds existing duplicate pending approvals, then the index holds', async () => {
      const url = await kind.url();
      // A store as an earlier version left it: migrated up to 013 (014 and every later one undone), with duplicates written by racing runs.
      const old = await openStore(url);
      await migrateStoreDownTo(old, '013_turn_lines');
      await old.db.insertInto('approvals').values([
        row('ap_a2', 'k1', 'pending', '2026-01-01T00:00:02.000Z'),
        row('ap_a1', 'k1', 'pending', '2026-01-01T00:00:01.000Z'),
        row('ap_a3', 'k1', 'pending', '2026-01-01T00:00:01.000Z'),
        row('ap_a0', 'k1', 'approved', '2026-01-01T00:00:00.000Z'),
        row('ap_b1', 'k2', 'pending', '2026-01-01T00:00:05.000Z'),
        row('ap_b2', 'k2', 'rejected', '2026-01-01T00:00:06.000Z'),
      ] as never).execute();
      await old.close();

      const store = await openStore(url);
      expect(store.migrated.slice(0, 5)).toEqual(['014_approvals_pending_unique', '015_api_slots', '016_rate_sends', '017_idempotency_requested_at_and_atomic_claim', '018_idempotency_settled_sid_unique']);
      const left = await store.db.selectFrom('approvals').select(['id', 'status']).orderBy('id').execute();
      expect(left).toEqual([
        { id: 'ap_a0', status: 'approved' },
        { id: 'ap_a1', status: 'pending' },
        { id: 'ap_b1', status: 'pending' },
        { id: 'ap_b2', status: 'rejected' },
      ]);
      await expect(store.db.insertInto('approvals').values(row('ap_a9', 'k1', 'pending', '2026-01-02T00:00:00.000Z') as never).execute()).rejects.toThrow(/unique|duplicate/i);
      // Asking again for a held key answers with the row already waiting.
      expect((await requestApproval(store, { key: 'k1', kind: 'sms', request: {}, reason: 'again' })).id).toBe('ap_a1');
      // A new key is held as before.
      expect((await requestApproval(store, { key: 'k3', kind: 'sms', request: {}, reason: 'new' })).id).toMatch(/^ap_/);
      await store.close();
    });

    it('many requests for one key at once leave one pending row', async () => {
      const store = await openStore(await kind.url());
      const rows = await Promise.all(Array.from({ length: 20 }, () => requestApproval(store, { key: 'burst', kind: 'sms', request: { n: 1 }, reason: 'first contact' })));
      expect(new Set(rows.map((r) => r.id)).size).toBe(1);
      expect(await store.db.selectFrom('approvals').select('id').where('key', '=', 'burst').execute()).toHaveLength(1);
      await store.close();
    });
  });
}
