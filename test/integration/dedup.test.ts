import { describe, expect, it } from 'vitest';
import { createDeduplicator } from '../../src/server/dedup.js';
import { openStore } from '../../src/store/open-store.js';
import { countStatements } from '../helpers/statement-count.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

const ANSWER = { status: 200, type: 'text/xml', body: '<Response><Message>hi</Message></Response>' };

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`webhook de-duplication on ${kind.name}`, () => {
    it('runs one turn for copies that arrive at the same moment, and claims the key before the turn', async () => {
      const store = await openStore(await kind.url());
      const dedup = createDeduplicator(store);
      const claimsSeen: unknown[] = [];
      let turns = 0;
      const handle = async () => {
        turns++;
        claimsSeen.push(await store.db.selectFrom('processed_webhooks').select(['route', 'response_status']).where('key', '=', 'token:same').executeTakeFirst());
        return ANSWER;
      };
      const deliveries = await Promise.all(Array.from({ length: 5 }, () => dedup.once('token:same', 'inbound', handle)));
      expect(turns).toBe(1);
      expect(claimsSeen).toEqual([{ route: 'inbound', response_status: 0 }]);
      expect(deliveries.filter((d) => !d.replayed)).toHaveLength(1);
      expect(new Set(deliveries.map((d) => d.answer.body))).toEqual(new Set([ANSWER.body]));
      // A later copy, from a new process's point of view, is answered from the store.
      const later = await createDeduplicator(store).once('token:same', 'inbound', handle);
      expect(later).toEqual({ answer: ANSWER, replayed: true, claimedBefore: false });
      expect(turns).toBe(1);
      await store.close();
    });

    it('a new webhook costs two statements, its claim and its answer, both in the group commit on SQLite; a copy reads the stored answer', async () => {
      const store = await openStore(await kind.url());
      const dedup = createDeduplicator(store);
      const statements = countStatements(store);
      expect(await dedup.once('token:new', 'inbound', async () => ANSWER)).toEqual({ answer: ANSWER, replayed: false, claimedBefore: false });
      expect(statements.byMethod).toEqual({ write: 2, readOne: 0, readMany: 0, run: 0 });
      expect(await createDeduplicator(store).once('token:new', 'inbound', async () => ANSWER)).toEqual({ answer: ANSWER, replayed: true, claimedBefore: false });
      expect(statements.byMethod).toEqual({ write: 3, readOne: 1, readMany: 0, run: 0 });
      await store.close();
    });

    it('handles again a delivery that was claimed but never answered, and says so', async () => {
      const store = await openStore(await kind.url());
      const first = createDeduplicator(store);
      await expect(first.once('token:dies', 'inbound', async () => Promise.reject(new Error('agent crashed')))).rejects.toThrow('agent crashed');
      const row = await store.db.selectFrom('processed_webhooks').select('response_status').where('key', '=', 'token:dies').executeTakeFirst();
      expect(row).toEqual({ response_status: 0 });
      const retried = await createDeduplicator(store).once('token:dies', 'inbound', async () => ANSWER);
      expect(retried).toEqual({ answer: ANSWER, replayed: false, claimedBefore: true });
      await store.close();
    });
  });
}
