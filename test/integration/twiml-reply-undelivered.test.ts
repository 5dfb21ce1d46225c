/**
 * A TwiML reply reaches Twilio only with the webhook's stored answer (review S4 of session 9): the
 * reply's key was settled before the answer was stored, so when the answer never got to Twilio (the
 * store failed to keep it, or the instance died first) every later copy of the text was answered
 * empty and the sender never got a reply. Now such a reply is voided when the webhook is handled
 * again, and an instance that froze past its liveness expiry hands nothing to Twilio once another took
 * its webhook over. Two instances (dedup owners with live instance rows) on one store, both stores.
 */
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeduplicator, HandledElsewhere } from '../../src/server/dedup.js';
import { claimAnswerReply } from '../../src/server/reply-keys.js';
import { type ClaimOwner, createClaimOwner } from '../../src/store/claims.js';
import { joinInstances, leaveInstances } from '../../src/store/instances.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

/** The store, whose next webhook-answer write fails (a dropped connection, a full disk). */
function keepFailsOnce(store: Store): Store {
  let armed = true;
  return Object.create(store, {
    write: {
      value: async (...args: Parameters<Store['write']>) => {
        if (armed && JSON.stringify(args[0]).includes('SET response_status = ?')) {
          armed = false;
          throw new Error('Connection terminated unexpectedly (injected)');
        }
        return store.write(...args);
      },
    },
  }) as Store;
}

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`a TwiML reply whose answer never reached Twilio, on ${kind.name}`, () => {
    let store: Store;
    let claims: ClaimOwner;
    let n = 0;
    beforeAll(async () => {
      store = await openStore(await kind.url());
      claims = createClaimOwner(store);
      const started_at = new Date().toISOString();
      for (const id of ['inst-A', 'inst-B']) await joinInstances(store, { id, host: os.hostname(), pid: process.pid, started_at, version: 'test', url: '', public_url: null });
    });
    afterAll(async () => {
      await claims.close();
      await store.close();
    });

    const text = () => {
      const sid = `SM${String(++n).padStart(32, '0')}`;
      return { sid, key: `msg:/telephony/webhook:${sid}:received` };
    };
    /** An agent turn that answers in TwiML: its reply claims the text's reply key first. */
    const turn = (sid: string, words: string) => async () => {
      const refused = await claimAnswerReply(store, claims, { messageSid: sid, to: '+15550004242', from: '+15550009999', texts: [words], media: [] });
      return { status: 200, type: 'text/xml', body: refused ? '<Response/>' : `<Response><Message>${words}</Message></Response>` };
    };

    it('the store failed to keep the answer: the next copy, on either instance, gets the reply', async () => {
      const { sid, key } = text();
      await expect(createDeduplicator(keepFailsOnce(store), 'inst-A').once(key, 'inbound', turn(sid, 'first try'))).rejects.toThrow('injected');
      // Not held by the live instance A (its claim was let go), and the reply it claimed is void: B answers with a reply.
      const copy = await createDeduplicator(store, 'inst-B').once(key, 'inbound', turn(sid, 'second try'));
      expect(copy.answer.body).toBe('<Response><Message>second try</Message></Response>');
      // And that answer is kept: a further copy replays it, no third turn.
      const again = await createDeduplicator(store, 'inst-A').once(key, 'inbound', turn(sid, 'third try'));
      expect(again).toMatchObject({ replayed: true, answer: { body: copy.answer.body } });
    });

    it('the instance died before keeping its answer: the copy on the other instance gets the reply', async () => {
      const { sid, key } = text();
      await joinInstances(store, { id: 'inst-C', host: 'gone-host', pid: 1, started_at: new Date().toISOString(), version: 'test', url: '', public_url: null });
      let turnDone!: () => void;
      const replied = new Promise<void>((r) => (turnDone = r));
      // C claims the webhook and the reply, then dies (its answer is never kept: the turn never returns).
      void createDeduplicator(store, 'inst-C').once(key, 'inbound', async () => {
        await turn(sid, 'from the dead one')();
        turnDone();
        return new Promise<never>(() => undefined);
      });
      await replied;
      await leaveInstances(store, 'inst-C');
      const copy = await createDeduplicator(store, 'inst-B').once(key, 'inbound', turn(sid, 'from the live one'));
      expect(copy).toMatchObject({ claimedBefore: true, answer: { body: '<Response><Message>from the live one</Message></Response>' } });
    });

    it('an instance that froze past its expiry hands nothing to Twilio once its webhook was taken over', async () => {
      const { sid, key } = text();
      await joinInstances(store, { id: 'inst-D', host: 'frozen-host', pid: 2, started_at: new Date().toISOString(), version: 'test', url: '', public_url: null });
      let resume!: () => void;
      const thawed = new Promise<void>((r) => (resume = r));
      let turnDone!: () => void;
      const replied = new Promise<void>((r) => (turnDone = r));
      const frozen = createDeduplicator(store, 'inst-D').once(key, 'inbound', async () => {
        const answer = await turn(sid, 'from the frozen one')();
        turnDone();
        await thawed;
        return answer;
      });
      await replied;
      // D is taken for dead (its row gone after 10 s without a heartbeat): B handles the redelivery.
      await leaveInstances(store, 'inst-D');
      const copy = await createDeduplicator(store, 'inst-B').once(key, 'inbound', turn(sid, 'from the live one'));
      expect(copy.answer.body).toBe('<Response><Message>from the live one</Message></Response>');
      // D wakes up with its answer: it no longer holds the webhook, so it keeps and gives nothing.
      resume();
      await expect(frozen).rejects.toBeInstanceOf(HandledElsewhere);
      const again = await createDeduplicator(store, 'inst-A').once(key, 'inbound', turn(sid, 'third'));
      expect(again).toMatchObject({ replayed: true, answer: { body: copy.answer.body } });
    });
  });
}
