/**
 * A store written before a text's split counted in its fingerprint: its parts carry the content's
 * fingerprint alone (as an older version wrote them: one row per part, each with its own text). A
 * rerun under the same key, or of the same batch row, must not send the text again whatever this
 * version's split: as many parts with the same texts carry on (the parts out answer from the store,
 * the rest go out once); another split (one message included) answers from the store when the old
 * parts all went out, and is refused by name when they did not. On SQLite and on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBatch, toRows } from '../../src/messaging/batch.js';
import { messageFingerprint, type SendResult } from '../../src/messaging/deliver.js';
import { planMessage } from '../../src/messaging/plan.js';
import { sendText, type TextPolicy } from '../../src/messaging/send-text.js';
import type { MessagingSession } from '../../src/messaging/session.js';
import { newOwnerId } from '../../src/store/claims.js';
import { claimNewKey, settleKey } from '../../src/store/idempotency.js';
import { openSandboxSession } from '../helpers/messaging-session.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { sentMessages } from '../helpers/sent.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

const BODY = 'The quick brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs. How vexingly quick!';
/** sms.maxLength values: BODY in one message, in three parts, in four. */
const WHOLE = 1600;
const THREE = 50;
const FOUR = 40;

let ts: TestSandbox;
beforeAll(async () => {
  ts = await startTestSandbox();
});
afterAll(async () => {
  await ts.close();
});

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`parts written before the split counted, on ${kind.name}`, () => {
    let session: MessagingSession;
    beforeAll(async () => {
      session = await openSandboxSession(ts, { rate: 50 }, await kind.url());
    });
    afterAll(async () => {
      await session.close();
    });

    /** Each store's tests text numbers of their own: one sandbox serves both. */
    const kindNumber = (n: string) => (kind.name === 'sqlite' ? n : n.replace('+1555040', '+1555041'));
    const policyAt = (maxLength: number): TextPolicy => ({ ...session.policy, chunking: { ...session.policy.chunking, maxLength } });
    const partsAt = (maxLength: number) => planMessage(BODY, [], policyAt(maxLength).chunking, policyAt(maxLength).prices).chunks.map((c) => c.text);
    const sent = async (to: string) => (await sentMessages(ts.sb)).filter((m) => m.to === to);
    const rerun = (to: string, key: string, maxLength: number) => sendText({ to, body: BODY, media: [], ...session.sender, idempotencyKey: key }, policyAt(maxLength), session.depsFor(session.sender));

    /**
     * The first `settled` of the text's parts at `maxLength`, claimed and settled as a version before
     * this one did: each part's own text, the whole text's content fingerprint only. Their SIDs.
     */
    async function oldParts(key: string, to: string, maxLength: number, settled: number): Promise<string[]> {
      const parts = partsAt(maxLength);
      const fingerprint = messageFingerprint({ to, from: session.sender.from, body: BODY, media: [] });
      const owner = newOwnerId();
      const sids: string[] = [];
      for (const [i, text] of parts.slice(0, settled).entries()) {
        const partKey = parts.length > 1 ? `${key}#${i + 1}/${parts.length}` : key;
        const request = { to, from: session.sender.from, messagingServiceSid: undefined, body: text, media: [] };
        expect(await claimNewKey(session.store, { key: partKey, requestKey: key, scope: 'sms', request, fingerprint }, owner, 60_000)).toBe(true);
        const sid = `SM${`${kind.name}${partKey}`.replace(/[^a-z0-9]/gi, '').padStart(32, '0').slice(-32)}`;
        const chunk = parts.length > 1 ? { chunk: i + 1, chunks: parts.length } : {};
        const result: SendResult = { sid, to, from: session.sender.from!, status: 'sent', segments: 1, encoding: 'GSM-7', idempotencyKey: partKey, deduplicated: false, ...chunk };
        expect(await settleKey(session.store, partKey, owner, sid, result)).toBe('settled');
        sids.push(sid);
      }
      return sids;
    }

    it('a rerun as one message of a text sent whole in three parts answers from the store: nothing is sent again', async () => {
      const to = kindNumber('+15550407003');
      expect(partsAt(THREE)).toHaveLength(3);
      const sids = await oldParts('upgrade-whole-sent', to, THREE, 3);
      const outcome = await rerun(to, 'upgrade-whole-sent', WHOLE);
      expect(outcome.kind === 'sent' && outcome.results.map((r) => [r.sid, r.deduplicated, r.layoutChanged])).toEqual(sids.map((sid) => [sid, true, { earlierParts: 3, partsThisRun: 1 }]));
      expect(await sent(to)).toHaveLength(0);
    });

    it('a rerun as one message of a text whose three parts did not all go out is refused by name, and nothing goes out', async () => {
      const to = kindNumber('+15550407004');
      await oldParts('upgrade-whole-unfinished', to, THREE, 1);
      await expect(rerun(to, 'upgrade-whole-unfinished', WHOLE)).rejects.toMatchObject({
        code: 'idempotency_key_layout_changed',
        message: expect.stringContaining('was split into 3 parts before (1 sent, 2 not started), and this run would send it as one message; nothing was sent'),
      });
      expect(await sent(to)).toHaveLength(0);
    });

    it('a rerun split into as many parts finishes them: the first answers from the store, the others go out once', async () => {
      const to = kindNumber('+15550407001');
      const [sid] = await oldParts('upgrade-same', to, THREE, 1);
      const outcome = await rerun(to, 'upgrade-same', THREE);
      expect(outcome.kind === 'sent' && outcome.results.map((r) => [r.idempotencyKey, r.deduplicated])).toEqual([
        ['upgrade-same#1/3', true],
        ['upgrade-same#2/3', false],
        ['upgrade-same#3/3', false],
      ]);
      expect(outcome.kind === 'sent' && outcome.results[0].sid).toBe(sid);
      expect((await sent(to)).map((m) => m.body).sort()).toEqual(['How vexingly quick!', 'Pack my box with five dozen liquor jugs.']);
    });

    it('a rerun split into another number of parts is refused by name, and nothing goes out', async () => {
      const to = kindNumber('+15550407002');
      await oldParts('upgrade-other', to, THREE, 1);
      expect(partsAt(FOUR)).toHaveLength(4);
      await expect(rerun(to, 'upgrade-other', FOUR)).rejects.toMatchObject({ code: 'idempotency_key_layout_changed', message: expect.stringContaining('was split into 3 parts before (1 sent, 2 not started), and this run would split it into 4 parts') });
      expect(await sent(to)).toHaveLength(0);
    });

    it('a text sent as one message before, rerun as one message, answers from the store with no note', async () => {
      const to = kindNumber('+15550407005');
      const [sid] = await oldParts('upgrade-one', to, WHOLE, 1);
      const outcome = await rerun(to, 'upgrade-one', WHOLE);
      expect(outcome.kind === 'sent' && outcome.results).toEqual([expect.objectContaining({ sid, deduplicated: true })]);
      expect(outcome.kind === 'sent' && outcome.results[0].layoutChanged).toBeUndefined();
      expect(await sent(to)).toHaveLength(0);
    });

    it('a batch row an older version sent in three parts, rerun where it fits one message, is answered from the store', async () => {
      const to = kindNumber('+15550407006');
      const { rows } = toRows([{ to, body: BODY }], `upgrade-batch-${kind.name}`);
      const sids = await oldParts(rows[0].key, to, THREE, 3);
      session.policy = policyAt(WHOLE);
      const { outcomes } = await runBatch(session, rows, { concurrency: 2, onOutcome: () => {} });
      expect(outcomes[0].results?.map((r) => [r.sid, r.deduplicated, r.layoutChanged])).toEqual(sids.map((sid) => [sid, true, { earlierParts: 3, partsThisRun: 1 }]));
      expect(await sent(to)).toHaveLength(0);
    });
  });
}
