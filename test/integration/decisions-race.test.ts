/**
 * Approve and reject racing on two instances (review A6): the decision another process commits
 * between our read and our update wins, and we act on it. A rejected held text is never sent, a
 * rejected pairing code never admits its sender; a held text approved elsewhere is delivered once.
 * The race is made deterministic: the other store decides right after our first read returns.
 */
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, UnknownRow } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { type ApprovalSender, approveHeldText, rejectHeldText } from '../../src/messaging/approvals.js';
import { createRateLimiter } from '../../src/messaging/rate-limiter.js';
import { sendText, type TextPolicy } from '../../src/messaging/send-text.js';
import { approvePairing, rejectPairing, requestPairing } from '../../src/pairing/pairing.js';
import { getApproval } from '../../src/store/approvals.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { findRequest, isAllowed } from '../../src/store/pairing.js';
import { createRestClient, type RestClient } from '../../src/twilio/rest-client.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

const policy: TextPolicy = { chunking: { mode: 'auto', maxLength: 1600, numbering: false }, prices: { pricePerSegment: 0.0079, pricePerMms: 0.02 }, approval: 'always' };
const limits = { codeTtlMinutes: 60, maxCodesPerHour: 100, maxPending: 100 };

/** The store, except that `meanwhile` runs (once) after its first query-builder read has answered and before that answer is handed back. */
function decidedMeanwhile(store: Store, meanwhile: () => Promise<unknown>): Store {
  const reads = new Set<unknown>();
  let done = false;
  const plugin: KyselyPlugin = {
    transformQuery: (args: PluginTransformQueryArgs) => {
      if (args.node.kind === 'SelectQueryNode') reads.add(args.queryId);
      return args.node;
    },
    transformResult: async (args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> => {
      if (!done && reads.has(args.queryId)) {
        done = true;
        await meanwhile();
      }
      return args.result;
    },
  };
  return new Proxy(store, {
    get: (t, k) => (k === 'db' ? t.db.withPlugin(plugin) : k === 'queryBuilder' ? async () => (await t.queryBuilder()).withPlugin(plugin) : Reflect.get(t, k)),
  });
}

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`approve and reject racing on ${kind.name}`, () => {
    let ts: TestSandbox;
    let store: Store;
    let other: Store;
    let client: RestClient;
    let seq = 0;
    beforeAll(async () => {
      ts = await startTestSandbox();
      const url = await kind.url();
      [store, other] = [await openStore(url), await openStore(url)];
      const { accountSid, authToken } = ts.info;
      client = createRestClient({ accountSid, username: accountSid, password: authToken, baseUrl: ts.sb.baseUrl });
    });
    afterAll(async () => {
      await client.close();
      await Promise.all([store.close(), other.close()]);
      await ts.close();
    });

    const senderOn = (s: Store): ApprovalSender => ({ store: s, policy, depsFor: () => ({ store, client, limiter: createRateLimiter(100), logger: silentLogger }) });
    const sentTo = async (to: string) => ((await (await ts.api(`/2010-04-01/Accounts/${ts.info.accountSid}/Messages.json?To=${encodeURIComponent(to)}`)).json()) as { messages: unknown[] }).messages.length;
    const phone = () => `+1555008${kind.name === 'sqlite' ? 1 : 2}${String(++seq).padStart(3, '0')}`;

    async function hold(to: string): Promise<string> {
      const outcome = await sendText({ to, body: `held for ${to}`, from: ts.number, media: [] }, policy, senderOn(store).depsFor({ from: ts.number }));
      if (outcome.kind !== 'pending-approval') throw new Error('expected the text to be held');
      return outcome.approvalId;
    }

    async function codeFor(who: string): Promise<string> {
      const decision = await requestPairing(store, who, limits);
      if (decision.kind !== 'send-code') throw new Error(`expected a new code, got ${decision.kind}`);
      return decision.code;
    }

    it('a held text rejected on another instance after our read is not sent, and the error says it was rejected', async () => {
      const to = phone();
      const id = await hold(to);
      const racing = decidedMeanwhile(store, () => rejectHeldText(other, id));
      await expect(approveHeldText(senderOn(racing), id)).rejects.toMatchObject({ code: 'approval_rejected', message: `${id} was rejected; it will not be sent.` });
      expect((await getApproval(store, id))?.status).toBe('rejected');
      expect(await sentTo(to)).toBe(0);
    });

    it('a held text approved on another instance after our read is sent once, both approvals answering with its message', async () => {
      const to = phone();
      const id = await hold(to);
      let elsewhere: Awaited<ReturnType<typeof approveHeldText>> | undefined;
      const racing = decidedMeanwhile(store, async () => (elsewhere = await approveHeldText(senderOn(other), id)));
      const here = await approveHeldText(senderOn(racing), id);
      expect(here.results.map((r) => r.sid)).toEqual(elsewhere!.results.map((r) => r.sid));
      expect(await sentTo(to)).toBe(1);
    });

    it('rejecting a held text approved elsewhere meanwhile names the decision that won', async () => {
      const to = phone();
      const id = await hold(to);
      const racing = decidedMeanwhile(store, () => approveHeldText(senderOn(other), id));
      await expect(rejectHeldText(racing, id)).rejects.toMatchObject({ code: 'approval_decided', message: `${id} is already approved.` });
      expect(await sentTo(to)).toBe(1);
    });

    it('a pairing code rejected on another instance after our read does not admit the sender', async () => {
      const who = phone();
      const code = await codeFor(who);
      const racing = decidedMeanwhile(store, () => rejectPairing(other, code));
      await expect(approvePairing(racing, code)).rejects.toMatchObject({ code: 'pairing_decided', message: `Pairing code ${code} is already rejected.` });
      expect(await isAllowed(store, who)).toBe(false);
      expect((await findRequest(store, code))?.status).toBe('rejected');
    });

    it('a pairing code approved elsewhere meanwhile: the sender is in once, and rejecting it then is refused', async () => {
      const who = phone();
      const code = await codeFor(who);
      const racing = decidedMeanwhile(store, () => approvePairing(other, code));
      await expect(rejectPairing(racing, code)).rejects.toMatchObject({ code: 'pairing_decided', message: `Pairing code ${code} is already approved.` });
      expect(await isAllowed(store, who)).toBe(true);
      expect((await findRequest(store, code))?.status).toBe('approved');
    });
  });
}
