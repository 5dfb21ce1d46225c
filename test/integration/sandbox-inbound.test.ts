import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSandbox } from '../../src/sandbox/server.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

let ts: TestSandbox;
let hooks: WebhookReceiver;
const HANDSET = '+15550001212';

async function text(from: string, to: string, body: string, media: string[] = []) {
  const form = new URLSearchParams({ To: to, Body: body });
  for (const m of media) form.append('MediaUrl', m);
  const res = await fetch(`${ts.sb.baseUrl}/sandbox/v1/handsets/${encodeURIComponent(from)}/messages`, { method: 'POST', body: form });
  return res.json();
}
const inbox = async (handset: string) => (await (await fetch(`${ts.sb.baseUrl}/sandbox/v1/handsets/${encodeURIComponent(handset)}/inbox`)).json()).messages;

beforeAll(async () => {
  ts = await startTestSandbox({ webhookTimeoutMs: 400, rates: { longcode: 50 } });
  hooks = await startWebhookReceiver();
  const [pn] = await ts.client.incomingPhoneNumbers.list({ phoneNumber: ts.number });
  await ts.client.incomingPhoneNumbers(pn.sid).update({ smsUrl: `${hooks.url}/sms` });
});
afterAll(async () => {
  await ts.close();
  await hooks.close();
});

describe('inbound texts and TwiML replies', () => {
  it("POSTs Twilio's inbound fields, signed, and delivers the <Message> reply to the handset", async () => {
    hooks.answer = (h) => ({ body: `<?xml version="1.0" encoding="UTF-8"?><Response><Message>pong: ${h.params.Body}</Message></Response>` });
    const sent = await text(HANDSET, ts.number, 'ping', ['https://example.com/a.png']);
    expect(sent.webhook).toMatchObject({ ok: true, status: 200 });
    const hook = hooks.received.find((h) => h.params.MessageSid === sent.sid)!;
    expect(hook.params).toMatchObject({
      From: HANDSET,
      To: ts.number,
      Body: 'ping',
      AccountSid: ts.info.accountSid,
      SmsStatus: 'received',
      NumMedia: '1',
      NumSegments: '1',
      MediaUrl0: 'https://example.com/a.png',
      MediaContentType0: 'image/png',
      ApiVersion: '2010-04-01',
    });
    expect(hook.params.SmsSid).toBe(sent.sid);
    expect(twilio.validateRequest(ts.info.authToken, hook.headers['x-twilio-signature'] as string, hook.url, hook.params)).toBe(true);
    expect(hook.headers['i-twilio-idempotency-token']).toBeTruthy();
    await expect.poll(async () => (await inbox(HANDSET)).map((m: { body: string }) => m.body)).toContain('pong: ping');
    const replies = await ts.client.messages.list({ to: HANDSET, from: ts.number });
    expect(replies[0]).toMatchObject({ body: 'pong: ping', direction: 'outbound-reply' });
    const inbound = await ts.client.messages(sent.sid).fetch();
    expect(inbound).toMatchObject({ direction: 'inbound', status: 'received', from: HANDSET });
  });

  it('follows <Redirect> to more TwiML', async () => {
    hooks.answer = (h) => (h.path === '/sms' ? { body: '<Response><Redirect>/next</Redirect></Response>' } : { body: '<Response><Message>after redirect</Message></Response>' });
    await text(HANDSET, ts.number, 'go');
    await expect.poll(async () => (await inbox(HANDSET)).map((m: { body: string }) => m.body)).toContain('after redirect');
    const next = hooks.received.find((h) => h.path === '/next')!;
    expect(twilio.validateRequest(ts.info.authToken, next.headers['x-twilio-signature'] as string, next.url, next.params)).toBe(true);
  });

  it('stops a self-redirecting reply after 50 documents with warning 14106', async () => {
    hooks.answer = (h) => (h.path === '/sms' || h.path === '/loop' ? { body: '<Response><Redirect>/loop</Redirect></Response>' } : { body: '<Response/>' });
    const before = hooks.received.filter((h) => h.path === '/loop').length;
    await text(HANDSET, ts.number, 'loop');
    const notes = async () => (await (await fetch(`${ts.sb.baseUrl}/sandbox/v1/notifications`)).json()).notifications as { code: number }[];
    await expect.poll(async () => (await notes()).map((n) => n.code)).toContain(14106);
    // The first document came from /sms; 49 more from /loop, then no more.
    expect(hooks.received.filter((h) => h.path === '/loop').length - before).toBe(49);
  });

  it('uses the fallback URL when the SmsUrl does not answer in time', async () => {
    const [pn] = await ts.client.incomingPhoneNumbers.list({ phoneNumber: ts.number });
    await ts.client.incomingPhoneNumbers(pn.sid).update({ smsUrl: `${hooks.url}/slow`, smsFallbackUrl: `${hooks.url}/fallback` });
    hooks.answer = (h) => (h.path === '/slow' ? { delayMs: 1500, body: '<Response/>' } : { body: '<Response><Message>from fallback</Message></Response>' });
    const sent = await text(HANDSET, ts.number, 'hello?');
    expect(sent.webhook).toMatchObject({ ok: true, usedFallback: true });
    expect(sent.webhook.attempts[0]).toMatchObject({ error: 'timeout' });
    await expect.poll(async () => (await inbox(HANDSET)).map((m: { body: string }) => m.body)).toContain('from fallback');
    await ts.client.incomingPhoneNumbers(pn.sid).update({ smsUrl: `${hooks.url}/sms`, smsFallbackUrl: '' });
  });

  it('retries with the same idempotency token when the URL fragment asks', async () => {
    const [pn] = await ts.client.incomingPhoneNumbers.list({ phoneNumber: ts.number });
    let calls = 0;
    hooks.answer = (h) => (h.path === '/flaky' ? (++calls < 3 ? { status: 503 } : { body: '<Response/>' }) : { body: '<Response/>' });
    await ts.client.incomingPhoneNumbers(pn.sid).update({ smsUrl: `${hooks.url}/flaky#rc=3&rp=5xx` });
    const sent = await text(HANDSET, ts.number, 'retry me');
    expect(sent.webhook).toMatchObject({ ok: true });
    const attempts = hooks.received.filter((h) => h.path === '/flaky');
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map((h) => h.headers['i-twilio-idempotency-token'])).size).toBe(1);
    for (const h of attempts) expect(twilio.validateRequest(ts.info.authToken, h.headers['x-twilio-signature'] as string, h.url, h.params)).toBe(true);
    await ts.client.incomingPhoneNumbers(pn.sid).update({ smsUrl: `${hooks.url}/sms` });
  });

  it('lets two of its numbers talk: a message to an own number arrives there as an inbound text', async () => {
    hooks.answer = () => ({ body: '<Response/>' });
    const [offer] = await ts.client.availablePhoneNumbers('US').local.list({ areaCode: 206, limit: 1 });
    const second = await ts.client.incomingPhoneNumbers.create({ phoneNumber: offer.phoneNumber, smsUrl: `${hooks.url}/second` });
    const m = await ts.client.messages.create({ from: ts.number, to: second.phoneNumber, body: 'hi neighbour' });
    await expect.poll(() => hooks.received.filter((h) => h.path === '/second').map((h) => h.params.Body)).toEqual(['hi neighbour']);
    const arrived = hooks.received.find((h) => h.path === '/second')!;
    expect(arrived.params.From).toBe(ts.number);
    expect(arrived.params.MessageSid).not.toBe(m.sid);
  });

  it('every answer fitted the OpenAPI spec', () => {
    expect(ts.schemaErrors).toEqual([]);
  });
});

describe('sandbox state', () => {
  it('keeps its account, numbers and messages across restarts with --data', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'oct-sbdata-'));
    const first = await startSandbox({ port: 0, dataDir: dir, deliveryDelayMs: 10 });
    const a = first.describe();
    const auth = 'Basic ' + Buffer.from(`${a.accountSid}:${a.authToken}`).toString('base64');
    const res = await fetch(`${first.baseUrl}/2010-04-01/Accounts/${a.accountSid}/Messages.json`, { method: 'POST', headers: { authorization: auth }, body: new URLSearchParams({ To: HANDSET, From: a.numbers[0].phoneNumber, Body: 'remember me' }) });
    const sid = (await res.json()).sid;
    await first.close();
    const second = await startSandbox({ port: 0, dataDir: dir });
    try {
      const b = second.describe();
      expect(b.accountSid).toBe(a.accountSid);
      expect(b.authToken).toBe(a.authToken);
      expect(b.numbers).toEqual(a.numbers);
      const got = await fetch(`${second.baseUrl}/2010-04-01/Accounts/${a.accountSid}/Messages/${sid}.json`, { headers: { authorization: auth } });
      expect((await got.json()).body).toBe('remember me');
    } finally {
      await second.close();
    }
    const fresh = await startSandbox({ port: 0 });
    expect(fresh.describe().accountSid).not.toBe(a.accountSid);
    await fresh.close();
  });
});
