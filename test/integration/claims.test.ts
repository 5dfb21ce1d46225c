/** Claims on idempotency keys between owners sharing one store: busy, settled, expired and taken over, conflicts. */
import { describe, expect, it } from 'vitest';
import { createClaimOwner, fingerprintOf } from '../../src/store/claims.js';
import { settleKey, sidIsClaimed } from '../../src/store/idempotency.js';
import { openStore } from '../../src/store/open-store.js';
import { statement } from '../../src/store/statement.js';
import { countStatements } from '../helpers/statement-count.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

const request = (key: string, body = 'hello') => ({ key, requestKey: key, scope: 'sms', request: { to: '+15550001111', body }, fingerprint: fingerprintOf({ to: '+15550001111', body }) });
// What a kill -9 leaves: the owner stops renewing; here its lease is simply made to run out.
const EXPIRE = statement('UPDATE idempotency_keys SET lease_until = 0 WHERE key = ?');

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`claims on ${kind.name}`, () => {
    it('a key held by a live owner is busy for another; an expired one is taken over, and the old owner cannot send', async () => {
      const url = await kind.url();
      const [storeA, storeB] = [await openStore(url), await openStore(url)];
      const [a, b] = [createClaimOwner(storeA), createClaimOwner(storeB)];
      try {
        expect(await a.claim(request('k1'))).toMatchObject({ kind: 'claimed', takenOver: false });
        expect(await b.claim(request('k1'))).toMatchObject({ kind: 'busy', owner: a.id });
        await storeA.run(EXPIRE, ['k1']);
        const taken = await b.claim(request('k1'));
        expect(taken).toMatchObject({ kind: 'claimed', takenOver: true });
        expect(await a.confirm('k1')).toBe(false);
        expect(await b.confirm('k1')).toBe(true);
        await settleKey(storeB, 'k1', b.id, 'SM0001', { sid: 'SM0001' });
        b.done('k1');
        expect(await a.claim(request('k1'))).toMatchObject({ kind: 'settled', row: { sid: 'SM0001', owner: b.id } });
        expect(await sidIsClaimed(storeA, 'SM0001')).toBe(true);
        expect(await sidIsClaimed(storeA, 'SM0002')).toBe(false);
      } finally {
        await Promise.all([a.close(), b.close()]);
        await Promise.all([storeA.close(), storeB.close()]);
      }
    });

    it('a claim that meets a held, settled or conflicting key reads what holds it in the same round trip on PostgreSQL', async () => {
      const url = await kind.url();
      const [storeA, storeB] = [await openStore(url), await openStore(url)];
      const [a, b] = [createClaimOwner(storeA), createClaimOwner(storeB)];
      // SQLite runs the claim and the read one after the other (no round trips there); PostgreSQL one function.
      const perClaim = kind.name === 'postgres' ? 1 : 2;
      try {
        const statements = countStatements(storeB);
        expect(await a.claim(request('k3'))).toMatchObject({ kind: 'claimed' });
        expect(await b.claim(request('k3'))).toMatchObject({ kind: 'busy', owner: a.id });
        expect(statements.count).toBe(perClaim);
        await settleKey(storeA, 'k3', a.id, 'SM0003', { sid: 'SM0003' });
        expect(await b.claim(request('k3'))).toMatchObject({ kind: 'settled', row: { key: 'k3', state: 'settled', sid: 'SM0003', owner: a.id } });
        expect(statements.count).toBe(2 * perClaim);
        // A chunk key of k3 for another body: no row under it, the caller's key (k3) is the conflict.
        expect(await b.claim({ ...request('k3', 'other'), key: 'k3#1/2' })).toMatchObject({ kind: 'conflict', row: { key: 'k3', owner: a.id } });
        expect(statements.count).toBe(2 * perClaim + (kind.name === 'postgres' ? 1 : 3));
      } finally {
        await Promise.all([a.close(), b.close()]);
        await Promise.all([storeA.close(), storeB.close()]);
      }
    });

    it('a key reused with other parameters is a conflict, for its chunks too; an abandoned key is reconciled at once', async () => {
      const store = await openStore(await kind.url());
      const [a, b] = [createClaimOwner(store), createClaimOwner(store)];
      try {
        expect(await a.claim(request('k2'))).toMatchObject({ kind: 'claimed' });
        expect(await b.claim(request('k2', 'other'))).toMatchObject({ kind: 'conflict', row: { key: 'k2' } });
        // A chunk key of the same caller's key, for another body: refused as well.
        expect(await b.claim({ ...request('k2', 'other'), key: 'k2#1/2' })).toMatchObject({ kind: 'conflict', row: { key: 'k2' } });
        await a.abandon('k2');
        expect(await b.claim(request('k2'))).toMatchObject({ kind: 'claimed', takenOver: true });
        // Closing lets go of what is still held.
        await b.close();
        expect(await a.claim(request('k2'))).toMatchObject({ kind: 'claimed', takenOver: true });
      } finally {
        await Promise.all([a.close(), b.close()]);
        await store.close();
      }
    });
  });
}
