/**
 * The late replies going out (store/reply-plans.ts): one cut off by the death of its instance is taken
 * once, with the parts that were settled, by whichever instance sweeps first; one that finished, or
 * whose instance is alive, is never taken. SQLite and PostgreSQL.
 */
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replyPartKey, replyRequestKey } from '../../src/server/reply-keys.js';
import { joinInstances, leaveInstances } from '../../src/store/instances.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { beginReplyPlan, endReplyPlan, takeOrphanedReplies } from '../../src/store/reply-plans.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`late replies cut off by a dead instance, on ${kind.name}`, () => {
    let store: Store;
    let other: Store;
    beforeAll(async () => {
      const url = await kind.url();
      store = await openStore(url);
      other = await openStore(url);
    });
    afterAll(async () => {
      await store.close();
      await other.close();
    });
    const join = (id: string) => joinInstances(store, { id, host: os.hostname(), pid: process.pid, started_at: new Date().toISOString(), version: 'test', url: '', public_url: null });

    it('is taken once, with its settled parts, only after its instance is gone', async () => {
      await join('live');
      await join('dying');
      const plan = (sid: string) => ({ messageSid: sid, to: '+15550005151', from: '+15550009999', parts: 3 });
      await beginReplyPlan(store, plan('SMcut'), 'dying');
      await beginReplyPlan(store, plan('SMdone'), 'dying');
      await endReplyPlan(store, 'SMdone', 'dying');
      await beginReplyPlan(store, plan('SMgoing'), 'live');
      // Two parts of the cut one were settled before the instance died.
      for (const n of [1, 2]) {
        await store.db.insertInto('idempotency_keys').values({ key: replyPartKey('SMcut', n, 3), request_key: replyRequestKey('SMcut'), scope: 'sms', request: '{}', fingerprint: 'f', state: 'settled', result: '{}', sid: `SMpart${n}`, owner: null, lease_until: 0, created_at: new Date().toISOString(), settled_at: new Date().toISOString() } as never).execute();
      }
      expect(await takeOrphanedReplies(store, replyRequestKey)).toEqual([]);
      await leaveInstances(store, 'dying');
      // Two instances sweep at once: one gets it.
      const [a, b] = await Promise.all([takeOrphanedReplies(store, replyRequestKey), takeOrphanedReplies(other, replyRequestKey)]);
      const taken = [...a, ...b];
      expect(taken).toEqual([expect.objectContaining({ messageSid: 'SMcut', to: '+15550005151', parts: 3, sent: 2 })]);
      expect(await takeOrphanedReplies(store, replyRequestKey)).toEqual([]);
      await leaveInstances(store, 'live');
    });
  });
}
