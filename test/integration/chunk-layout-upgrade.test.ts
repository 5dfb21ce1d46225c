/**
 * A store written before a text's split counted in its fingerprint: its parts carry the content's
 * fingerprint alone. A rerun that splits the text into as many parts continues under that fingerprint
 * (the part already out answers from the store, the rest go out once) instead of being refused; one
 * that splits it into another number of parts is refused, as for parts written now. (Not covered: such
 * old parts and a rerun as one message, whose fingerprint is the content's too: see chunk-layout.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageFingerprint } from '../../src/messaging/deliver.js';
import { planMessage } from '../../src/messaging/plan.js';
import { sendText, type TextPolicy } from '../../src/messaging/send-text.js';
import type { MessagingSession } from '../../src/messaging/session.js';
import { newOwnerId } from '../../src/store/claims.js';
import { claimNewKey, settleKey } from '../../src/store/idempotency.js';
import { openSandboxSession } from '../helpers/messaging-session.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

const BODY = 'The quick brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs. How vexingly quick!';

let ts: TestSandbox;
let session: MessagingSession;

beforeAll(async () => {
  ts = await startTestSandbox();
  session = await openSandboxSession(ts, { rate: 50 });
});
afterAll(async () => {
  await session.close();
  await ts.close();
});

const policyAt = (maxLength: number): TextPolicy => ({ ...session.policy, chunking: { ...session.policy.chunking, maxLength } });

/** The first of `parts` parts, claimed and settled as a version before this one did: the content's fingerprint only. */
async function oldFirstPart(key: string, to: string, parts: number) {
  const request = { to, from: session.sender.from, messagingServiceSid: undefined, body: BODY, media: [] };
  const owner = newOwnerId();
  const part = { key: `${key}#1/${parts}`, requestKey: key, scope: 'sms', request, fingerprint: messageFingerprint(request) };
  expect(await claimNewKey(session.store, part, owner, 60_000)).toBe(true);
  const sid = `SM${key.padStart(32, '0')}`;
  expect(await settleKey(session.store, part.key, owner, sid, { sid, to, from: session.sender.from, status: 'sent', segments: 1, encoding: 'GSM-7', idempotencyKey: part.key, deduplicated: false, chunk: 1, chunks: parts })).toBe('settled');
  return sid;
}

describe('parts written before the split counted', () => {
  it('a rerun split into as many parts finishes them: the first answers from the store, the others go out once', async () => {
    const to = '+15550407001';
    expect(planMessage(BODY, [], policyAt(50).chunking, policyAt(50).prices).chunks).toHaveLength(3);
    const sid = await oldFirstPart('upgrade-same', to, 3);
    const before = ts.sb.acceptedMessages().length;
    const outcome = await sendText({ to, body: BODY, media: [], ...session.sender, idempotencyKey: 'upgrade-same' }, policyAt(50), session.depsFor(session.sender));
    expect(outcome.kind === 'sent' && outcome.results.map((r) => [r.idempotencyKey, r.deduplicated])).toEqual([
      ['upgrade-same#1/3', true],
      ['upgrade-same#2/3', false],
      ['upgrade-same#3/3', false],
    ]);
    expect(outcome.kind === 'sent' && outcome.results[0].sid).toBe(sid);
    expect(ts.sb.acceptedMessages().slice(before).map((m) => m.body)).toEqual(['Pack my box with five dozen liquor jugs.', 'How vexingly quick!']);
  });

  it('a rerun split into another number of parts is refused by name, and nothing goes out', async () => {
    const to = '+15550407002';
    await oldFirstPart('upgrade-other', to, 3);
    const before = ts.sb.acceptedMessages().length;
    expect(planMessage(BODY, [], policyAt(40).chunking, policyAt(40).prices).chunks).toHaveLength(4);
    const rerun = sendText({ to, body: BODY, media: [], ...session.sender, idempotencyKey: 'upgrade-other' }, policyAt(40), session.depsFor(session.sender));
    await expect(rerun).rejects.toMatchObject({ code: 'idempotency_key_layout_changed', message: expect.stringContaining('was split into 3 parts before (1 sent, 2 not started), and this run would split it into 4 parts') });
    expect(ts.sb.acceptedMessages().length).toBe(before);
  });
});
