/** The approval verb: `approvals approve|reject` and the dashboard's keys call it and answer alike. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.js';
import { type ApprovalSender, approveHeldText, listHeldTexts, rejectHeldText } from '../../src/messaging/approvals.js';
import { createRateLimiter } from '../../src/messaging/rate-limiter.js';
import { sendText, type TextPolicy } from '../../src/messaging/send-text.js';
import { createOperator } from '../../src/server/operator.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { createRestClient, type RestClient } from '../../src/twilio/rest-client.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { sqliteUrl } from '../helpers/stores.js';

let ts: TestSandbox;
let store: Store;
let client: RestClient;
let sender: ApprovalSender;
const policy: TextPolicy = { chunking: { mode: 'auto', maxLength: 1600, numbering: false }, prices: { pricePerSegment: 0.0079, pricePerMms: 0.02 }, approval: 'always' };

beforeAll(async () => {
  ts = await startTestSandbox();
  store = await openStore(sqliteUrl());
  const { accountSid, authToken } = ts.info;
  client = createRestClient({ accountSid, username: accountSid, password: authToken, baseUrl: ts.sb.baseUrl });
  sender = { store, policy, depsFor: () => ({ store, client, limiter: createRateLimiter(100), logger: silentLogger }) };
});
afterAll(async () => {
  await client.close();
  await store.close();
  await ts.close();
});

async function hold(to: string, body: string): Promise<string> {
  const outcome = await sendText({ to, body, from: ts.number, media: [] }, policy, sender.depsFor({ from: ts.number }));
  if (outcome.kind !== 'pending-approval') throw new Error('expected the text to be held');
  return outcome.approvalId;
}

const sentTo = async (to: string) => ((await (await ts.api(`/2010-04-01/Accounts/${ts.info.accountSid}/Messages.json?To=${encodeURIComponent(to)}`)).json()) as { messages: unknown[] }).messages.length;

describe('approvals', () => {
  it('the dashboard approves through the same verb: sent once; approving again sends nothing new', async () => {
    const id = await hold('+15550007001', 'held one');
    expect((await listHeldTexts(store)).map((h) => h.id)).toContain(id);
    const operator = createOperator(sender);
    expect((await operator.waiting()).find((w) => w.id === id)).toMatchObject({ kind: 'approval', who: '+15550007001' });
    expect(await operator.approve({ kind: 'approval', id, who: '+15550007001', detail: '' })).toMatch(/^sent SM[0-9a-f]{32} to \+15550007001$/);
    const again = await approveHeldText(sender, id);
    expect(again.results.every((r) => r.deduplicated)).toBe(true);
    expect(await sentTo('+15550007001')).toBe(1);
    expect(await listHeldTexts(store)).toEqual([]);
    expect((await listHeldTexts(store, { all: true })).find((h) => h.id === id)?.status).toBe('approved');
  });

  it('a rejected text is never sent, and both callers refuse a second decision with the same error', async () => {
    const id = await hold('+15550007002', 'held two');
    const operator = createOperator(sender);
    expect(await operator.reject({ kind: 'approval', id, who: '+15550007002', detail: '' })).toBe(`rejected ${id}`);
    await expect(rejectHeldText(store, id)).rejects.toMatchObject({ code: 'approval_decided' });
    await expect(operator.reject({ kind: 'approval', id, who: '', detail: '' })).rejects.toMatchObject({ code: 'approval_decided' });
    await expect(approveHeldText(sender, id)).rejects.toMatchObject({ code: 'approval_rejected' });
    await expect(operator.approve({ kind: 'approval', id, who: '', detail: '' })).rejects.toMatchObject({ code: 'approval_rejected' });
    await expect(approveHeldText(sender, 'ap_missing')).rejects.toMatchObject({ code: 'approval_not_found' });
    expect(await sentTo('+15550007002')).toBe(0);
  });
});
