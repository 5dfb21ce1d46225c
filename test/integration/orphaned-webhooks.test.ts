/**
 * A webhook whose instance died mid-turn is reported once (review R6): the heartbeat sweep of any live
 * instance finds the claimed, unanswered rows of owners no longer alive and reports each once, even
 * with two instances sweeping at the same moment, and written to the audit log for doctor (route and
 * MessageSid only); a later delivery of that webhook is still handled.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeduplicator, messageSidOfKey } from '../../src/server/dedup.js';
import { newOwnerId } from '../../src/store/claims.js';
import { orphanedFacts, sweepDeadInstances } from '../../src/server/orphaned-webhooks.js';
import { forgetDeadInstances, joinInstances, leaveInstances, type OrphanedWebhook } from '../../src/store/instances.js';
import { statement } from '../../src/store/statement.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

const joinAs = async (store: Store) => {
  const id = newOwnerId();
  await joinInstances(store, { id, host: 'test', pid: process.pid, started_at: new Date().toISOString(), version: 'test', url: '', public_url: null });
  return id;
};
const answered = { status: 200, type: 'text/xml', body: '<Response/>' };

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`webhooks left unanswered by a dead instance on ${kind.name}`, () => {
    let a: Store;
    let b: Store;
    beforeAll(async () => {
      const url = await kind.url();
      [a, b] = [await openStore(url), await openStore(url)];
    });
    afterAll(async () => {
      await a.close();
      await b.close();
    });

    it('are reported once, by one of two sweeping instances, and a later delivery is still handled', async () => {
      const [idA, idB] = [await joinAs(a), await joinAs(b)];
      const [dedupA, dedupB] = [createDeduplicator(a, idA), createDeduplicator(b, idB)];
      const sid = 'SM' + 'e1'.repeat(16);
      const key = `msg:/telephony/webhook:${sid}:`;
      // A claims the text and is mid-turn; another of its texts was answered, and B is mid-turn on a third.
      let midTurn!: () => void;
      const started = new Promise<void>((r) => (midTurn = r));
      void dedupA.once(key, 'sms', () => (midTurn(), new Promise(() => undefined)));
      await started;
      await dedupA.once(`msg:/telephony/webhook:SM${'e2'.repeat(16)}:`, 'sms', async () => answered);
      let bMidTurn!: () => void;
      const bStarted = new Promise<void>((r) => (bMidTurn = r));
      void dedupB.once(`msg:/telephony/webhook:SM${'e3'.repeat(16)}:`, 'sms', () => (bMidTurn(), new Promise(() => undefined)));
      await bStarted;
      expect([...(await forgetDeadInstances(a)), ...(await forgetDeadInstances(b))]).toEqual([]);
      // A is gone (its row removed, as after its expiry): both survivors sweep at once.
      await leaveInstances(a, idA);
      // (The heartbeat's sweep: it also writes each report to the audit log, for doctor.)
      const reports: OrphanedWebhook[] = [];
      await Promise.all([sweepDeadInstances(a, (w) => reports.push(...w)), sweepDeadInstances(b, (w) => reports.push(...w))]);
      expect(reports).toEqual([{ key, route: 'sms' }]);
      const facts = await orphanedFacts(b);
      expect(facts.last24h).toBe(1);
      expect(Date.now() - Date.parse(facts.newestAt!)).toBeLessThan(60_000);
      // A day later it no longer counts, and the newest's time stays known.
      expect(await orphanedFacts(a, Date.now() + 25 * 3600_000)).toEqual({ last24h: 0, newestAt: facts.newestAt });
      const logged = await b.readMany<{ correlation_id: string; data: string }>(statement("SELECT correlation_id, data FROM events WHERE kind = 'webhook.orphaned'"), []);
      expect(logged.map((e) => [e.correlation_id, JSON.parse(e.data)])).toEqual([[sid, { route: 'sms', messageSid: sid }]]);
      expect(messageSidOfKey(reports[0].key)).toBe(sid);
      expect(await forgetDeadInstances(b)).toEqual([]);
      // Should Twilio deliver it again after all (a fallback URL), B handles it.
      const again = await dedupB.once(key, 'sms', async () => answered);
      expect(again).toMatchObject({ replayed: false, claimedBefore: true });
      await leaveInstances(b, idB);
    });
  });
}
