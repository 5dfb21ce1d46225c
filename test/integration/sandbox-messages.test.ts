import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFor, startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

let ts: TestSandbox;
let hooks: WebhookReceiver;

beforeAll(async () => {
  ts = await startTestSandbox({ rates: { longcode: 50 } });
  hooks = await startWebhookReceiver();
});
afterAll(async () => {
  await ts.close();
  await hooks.close();
});

const HANDSET = '+15550005678';

describe('sandbox messages through the Twilio helper library', () => {
  it('creates, fetches and lists messages in Twilio shapes', async () => {
    const m = await ts.client.messages.create({ to: HANDSET, from: ts.number, body: 'Hello from OpenClaw!' });
    expect(m.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(m.status).toBe('queued');
    expect(m.numSegments).toBe('1');
    expect(m.direction).toBe('outbound-api');
    const fetched = await ts.client.messages(m.sid).fetch();
    expect(fetched.body).toBe('Hello from OpenClaw!');
    await expect.poll(async () => (await ts.client.messages(m.sid).fetch()).status).toBe('delivered');
    const delivered = await ts.client.messages(m.sid).fetch();
    expect(delivered.price).toBe('-0.00790');
    expect(delivered.dateSent).toBeInstanceOf(Date);
    const listed = await ts.client.messages.list({ to: HANDSET, limit: 20 });
    expect(listed.map((x) => x.sid)).toContain(m.sid);
    const inbox = await (await fetch(`${ts.sb.baseUrl}/sandbox/v1/handsets/${encodeURIComponent(HANDSET)}/inbox`)).json();
    expect(inbox.messages.map((x: { sid: string }) => x.sid)).toContain(m.sid);
  });

  it('counts segments by GSM-7 and UCS-2 rules and makes MMS with media', async () => {
    const gsm = await ts.client.messages.create({ to: HANDSET, from: ts.number, body: 'a'.repeat(161) });
    expect(gsm.numSegments).toBe('2');
    const ucs = await ts.client.messages.create({ to: HANDSET, from: ts.number, body: 'Ж'.repeat(71) });
    expect(ucs.numSegments).toBe('2');
    const mms = await ts.client.messages.create({ to: HANDSET, from: ts.number, body: 'look', mediaUrl: ['https://example.com/cat.jpg', 'https://example.com/dog.png'] });
    expect(mms.sid).toMatch(/^MM/);
    expect(mms.numMedia).toBe('2');
  });

  it('refuses a media URL that is not absolute http or https with 21620, as Twilio does', async () => {
    for (const mediaUrl of ['notaurl', 'ftp://example.com/a.jpg', '/cat.jpg']) {
      await expect(ts.client.messages.create({ to: HANDSET, from: ts.number, body: 'look', mediaUrl: [mediaUrl] })).rejects.toMatchObject({ status: 400, code: 21620 });
    }
  });

  it('posts signed status callbacks through to delivered, with an idempotency token', async () => {
    const m = await ts.client.messages.create({ to: HANDSET, from: ts.number, body: 'status please', statusCallback: `${hooks.url}/status` });
    // Each status once; like Twilio's, callbacks may arrive out of order.
    await expect.poll(() => hooks.received.filter((h) => h.params.MessageSid === m.sid).map((h) => h.params.MessageStatus).sort()).toEqual(['delivered', 'queued', 'sending', 'sent']);
    for (const h of hooks.received.filter((x) => x.params.MessageSid === m.sid)) {
      expect(twilio.validateRequest(ts.info.authToken, h.headers['x-twilio-signature'] as string, h.url, h.params)).toBe(true);
      expect(h.headers['i-twilio-idempotency-token']).toMatch(/^[0-9a-f-]{36}$/);
      expect(h.params).toMatchObject({ AccountSid: ts.info.accountSid, From: ts.number, To: HANDSET, ApiVersion: '2010-04-01', SmsSid: m.sid });
    }
  });

  it('marks the failing handsets undelivered and failed with their error codes', async () => {
    const dead = await ts.client.messages.create({ to: '+15559999001', from: ts.number, body: 'anyone?' });
    await expect.poll(async () => (await ts.client.messages(dead.sid).fetch()).status).toBe('undelivered');
    expect((await ts.client.messages(dead.sid).fetch()).errorCode).toBe(30003);
    const failed = await ts.client.messages.create({ to: '+15559999002', from: ts.number, body: 'anyone?' });
    await expect.poll(async () => (await ts.client.messages(failed.sid).fetch()).status).toBe('failed');
  });

  it("answers Twilio's error codes", async () => {
    const code = (p: Promise<unknown>) => p.then(() => 'no error', (e) => [e.status, e.code]);
    expect(await code(ts.client.messages.create({ to: '+1234', from: ts.number, body: 'x' }))).toEqual([400, 21211]);
    expect(await code(ts.client.messages.create({ to: '', from: ts.number, body: 'x' } as never))).toEqual([400, 21604]);
    expect(await code(ts.client.messages.create({ to: HANDSET, from: '+15550001111', body: 'x' }))).toEqual([400, 21606]);
    expect(await code(ts.client.messages.create({ to: '+15005550004', from: ts.number, body: 'x' }))).toEqual([400, 21610]);
    expect(await code(ts.client.messages('SM00000000000000000000000000000000').fetch())).toEqual([404, 20404]);
    const wrong = clientFor(ts, ts.info.accountSid, '0'.repeat(32));
    expect(await code(wrong.messages.list({ limit: 1 }))).toEqual([401, 20003]);
  });

  it('accepts an API key and secret, and sends through the Messaging Service', async () => {
    const keyed = clientFor(ts, ts.info.apiKeySid, ts.info.apiKeySecret);
    const m = await keyed.messages.create({ to: HANDSET, messagingServiceSid: ts.info.messagingServiceSid, body: 'via service' });
    expect(m.status).toBe('accepted');
    expect(m.messagingServiceSid).toBe(ts.info.messagingServiceSid);
    await expect.poll(async () => (await ts.client.messages(m.sid).fetch()).from).toBe(ts.number);
  });

  it('refuses a recipient who texted STOP (21610) until START', async () => {
    const who = '+15550007777';
    await fetch(`${ts.sb.baseUrl}/sandbox/v1/handsets/${encodeURIComponent(who)}/messages`, { method: 'POST', body: new URLSearchParams({ To: ts.number, Body: 'STOP' }) });
    await expect(ts.client.messages.create({ to: who, from: ts.number, body: 'still there?' })).rejects.toMatchObject({ code: 21610 });
    await fetch(`${ts.sb.baseUrl}/sandbox/v1/handsets/${encodeURIComponent(who)}/messages`, { method: 'POST', body: new URLSearchParams({ To: ts.number, Body: 'START' }) });
    expect((await ts.client.messages.create({ to: who, from: ts.number, body: 'welcome back' })).status).toBe('queued');
  });

  it('pages lists with next_page_uri, filters by date, and deletes', async () => {
    const to = '+15550008888';
    for (let i = 0; i < 3; i++) await ts.client.messages.create({ to, from: ts.number, body: `page ${i}` });
    const res = await ts.api(`/2010-04-01/Accounts/${ts.info.accountSid}/Messages.json?To=${encodeURIComponent(to)}&PageSize=2`);
    const page = await res.json();
    expect(page.messages).toHaveLength(2);
    expect(page.next_page_uri).toContain('Page=1');
    const all = await ts.client.messages.list({ to, pageSize: 2 });
    expect(all).toHaveLength(3);
    // DateSent filters on the sent date, as Twilio's does: a message still queued has none yet.
    await expect.poll(async () => (await ts.client.messages.list({ to })).every((m) => m.dateSent !== null)).toBe(true);
    const today = new Date();
    expect(await ts.client.messages.list({ to, dateSentAfter: new Date(today.getTime() - 86_400_000) })).toHaveLength(3);
    expect(await ts.client.messages.list({ to, dateSentBefore: new Date(today.getTime() - 2 * 86_400_000) })).toHaveLength(0);
    await expect.poll(async () => (await ts.client.messages(all[0].sid).fetch()).status).toBe('delivered');
    expect(await ts.client.messages(all[0].sid).remove()).toBe(true);
    await expect(ts.client.messages(all[0].sid).fetch()).rejects.toMatchObject({ status: 404 });
  });

  it('paces a sender: messages leave no faster than its rate', async () => {
    const sb = await startTestSandbox({ rates: { longcode: 10 } });
    try {
      const rec = await startWebhookReceiver();
      const firstAsked = Date.now();
      for (let i = 0; i < 6; i++) await sb.client.messages.create({ to: HANDSET, from: sb.number, body: `burst ${i}`, statusCallback: `${rec.url}/s` });
      await expect.poll(() => rec.received.filter((h) => h.params.MessageStatus === 'sending').length).toBe(6);
      const sending = rec.received.filter((h) => h.params.MessageStatus === 'sending').map((h) => h.at);
      // 6 messages at 10/s: the sixth leaves at least 5 x 100 ms after the first was asked for. Measured from the
      // request, not from the first callback: under load that callback can arrive late and shrink the gap.
      expect(Math.max(...sending) - firstAsked).toBeGreaterThanOrEqual(480);
      await rec.close();
    } finally {
      await sb.close();
    }
  });

  it('every answer fitted the OpenAPI spec', () => {
    expect(ts.checked.count).toBeGreaterThan(20);
    expect(ts.schemaErrors).toEqual([]);
  });
});

describe('sandbox limits and faults', () => {
  it('answers 429 (20429) past the per-account request cap', async () => {
    // A long latency keeps the first two busy while the other four arrive, however loaded the machine.
    const sb = await startTestSandbox({ maxConcurrentRequests: 2, faults: { statuses: [], resetProbability: 0, latencyMs: 1500 } });
    try {
      const answers = await Promise.all(Array.from({ length: 6 }, () => sb.api(`/2010-04-01/Accounts/${sb.info.accountSid}/Messages.json`)));
      const statuses = answers.map((r) => r.status);
      expect(statuses.filter((s) => s === 200).length).toBe(2);
      expect(statuses.filter((s) => s === 429).length).toBe(4);
      const limited = answers.find((r) => r.status === 429)!;
      expect(await limited.json()).toMatchObject({ code: 20429, status: 429 });
    } finally {
      await sb.close();
    }
  });

  it('injects HTTP faults without side effects, and resets after the effect', async () => {
    const failing = await startTestSandbox({ faults: { statuses: [{ status: 500, probability: 1 }], resetProbability: 0, latencyMs: 0 } });
    try {
      const res = await failing.api(`/2010-04-01/Accounts/${failing.info.accountSid}/Messages.json`, { method: 'POST', body: new URLSearchParams({ To: HANDSET, From: failing.number, Body: 'x' }) });
      expect(res.status).toBe(500);
      expect(failing.sb.describe()).toBeTruthy();
      const list = await (await fetch(`${failing.sb.baseUrl}/sandbox/v1/handsets/${encodeURIComponent(HANDSET)}/inbox`)).json();
      expect(list.messages).toEqual([]);
    } finally {
      await failing.close();
    }
    const resetting = await startTestSandbox({ faults: { statuses: [], resetProbability: 1, latencyMs: 0 } });
    try {
      await expect(resetting.api(`/2010-04-01/Accounts/${resetting.info.accountSid}/Messages.json`, { method: 'POST', body: new URLSearchParams({ To: HANDSET, From: resetting.number, Body: 'lost answer' }) })).rejects.toThrow();
      await expect.poll(async () => (await (await fetch(`${resetting.sb.baseUrl}/sandbox/v1/handsets/${encodeURIComponent(HANDSET)}/inbox`)).json()).messages.map((m: { body: string }) => m.body)).toEqual(['lost answer']);
    } finally {
      await resetting.close();
    }
  });
});
