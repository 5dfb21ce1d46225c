/**
 * The sandbox's Message Media, as Twilio keeps an inbound MMS: a handset's files become the message's
 * Media, the webhook's MediaUrlN point at the authenticated media URL, which redirects to a signed
 * CDN link that refuses the account's credentials; list, fetch and delete fit Twilio's OpenAPI spec.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

let ts: TestSandbox;
let hooks: WebhookReceiver;
const HANDSET = '+15550001313';
const PHOTO = Buffer.from([0xff, 0xd8, 0xff, 0xe0, ...Array.from({ length: 300 }, (_, i) => i % 256)]);

/** A handset's MMS; each item a file or, given as a string, a URL passed on as it is, in this order. */
async function mms(media: ({ contentType: string; data: Buffer } | string)[]) {
  const res = await fetch(`${ts.sb.baseUrl}/sandbox/v1/handsets/${encodeURIComponent(HANDSET)}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ To: ts.number, Body: 'look', Media: media.map((m) => (typeof m === 'string' ? { url: m } : { contentType: m.contentType, data: m.data.toString('base64') })) }),
  });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  ts = await startTestSandbox();
  hooks = await startWebhookReceiver();
  const [pn] = await ts.client.incomingPhoneNumbers.list({ phoneNumber: ts.number });
  await ts.client.incomingPhoneNumbers(pn.sid).update({ smsUrl: `${hooks.url}/sms` });
});
afterAll(async () => {
  await ts.close();
  await hooks.close();
});

describe('inbound MMS media in the sandbox', () => {
  it('points MediaUrlN at its own media resource, with the type, in the order the items were given', async () => {
    const sent = await mms(['https://example.com/b.gif', { contentType: 'image/jpeg', data: PHOTO }, 'https://example.com/c.png']);
    expect(sent.status).toBe(201);
    const hook = hooks.received.find((h) => h.params.MessageSid === sent.body.sid)!;
    expect(sent.body.sid).toMatch(/^MM/);
    expect(hook.params).toMatchObject({ NumMedia: '3', MediaUrl0: 'https://example.com/b.gif', MediaContentType0: 'image/gif', MediaContentType1: 'image/jpeg', MediaUrl2: 'https://example.com/c.png' });
    expect(hook.params.MediaUrl1).toMatch(new RegExp(`^${ts.sb.baseUrl}/2010-04-01/Accounts/${ts.info.accountSid}/Messages/${sent.body.sid}/Media/ME[0-9a-f]{32}$`));
  });

  it('answers the media URL 401 without Basic auth, and with it redirects to a CDN link that serves the bytes', async () => {
    const sent = await mms([{ contentType: 'image/jpeg', data: PHOTO }]);
    const url = hooks.received.find((h) => h.params.MessageSid === sent.body.sid)!.params.MediaUrl0 as string;
    const anonymous = await fetch(url, { redirect: 'manual' });
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).code).toBe(20003);

    const auth = 'Basic ' + Buffer.from(`${ts.info.accountSid}:${ts.info.authToken}`).toString('base64');
    const redirect = await fetch(url, { headers: { authorization: auth }, redirect: 'manual' });
    expect(redirect.status).toBe(307);
    const cdn = redirect.headers.get('location')!;
    expect(new URL(cdn).pathname).toMatch(/^\/cdn\/media\/ME/);

    const file = await fetch(cdn);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await file.arrayBuffer()).equals(PHOTO)).toBe(true);
    // Like a pre-signed S3 URL: the account's credentials are refused there, and a forged link too.
    expect((await fetch(cdn, { headers: { authorization: auth } })).status).toBe(400);
    expect((await fetch(cdn.replace(/Signature=[0-9a-f]+/, 'Signature=' + '0'.repeat(64)))).status).toBe(403);
  });

  it('lists, fetches and deletes Media as the OpenAPI spec says', async () => {
    const sent = await mms([{ contentType: 'image/png', data: Buffer.from('png bytes') }, { contentType: 'text/vcard', data: Buffer.from('BEGIN:VCARD') }]);
    const list = await ts.client.messages(sent.body.sid).media.list();
    expect(list.map((m) => m.contentType)).toEqual(['image/png', 'text/vcard']);
    const one = await ts.client.messages(sent.body.sid).media(list[0].sid).fetch();
    expect(one).toMatchObject({ parentSid: sent.body.sid, accountSid: ts.info.accountSid, contentType: 'image/png' });
    await ts.client.messages(sent.body.sid).media(list[0].sid).remove();
    expect((await ts.client.messages(sent.body.sid).media.list()).map((m) => m.contentType)).toEqual(['text/vcard']);
    expect(ts.schemaErrors).toEqual([]);
  });

  it('refuses more than 10 media in one message (21623) and a file without a type', async () => {
    const eleven = Array.from({ length: 11 }, () => ({ contentType: 'image/png', data: Buffer.from('x') }));
    expect((await mms(eleven)).body).toMatchObject({ code: 21623 });
    expect((await mms([{ contentType: 'not a type', data: Buffer.from('x') }])).body.message).toContain('contentType must be a MIME type');
  });
});
