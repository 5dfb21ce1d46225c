import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

let ts: TestSandbox;
let hooks: WebhookReceiver;

beforeAll(async () => {
  ts = await startTestSandbox();
  hooks = await startWebhookReceiver();
});
afterAll(async () => {
  await ts.close();
  await hooks.close();
});

describe('sandbox numbers', () => {
  it('searches local numbers by area code and pattern, and toll-free ones', async () => {
    const local = await ts.client.availablePhoneNumbers('US').local.list({ areaCode: 415, smsEnabled: true, limit: 5 });
    expect(local.length).toBe(5);
    for (const n of local) {
      expect(n.phoneNumber).toMatch(/^\+1415[2-9]\d{6}$/);
      expect(n.capabilities).toMatchObject({ SMS: true, voice: true });
      expect(n.locality).toBe('San Francisco');
    }
    const contains = await ts.client.availablePhoneNumbers('US').local.list({ areaCode: 212, contains: '77', limit: 3 });
    for (const n of contains) expect(n.phoneNumber.slice(2)).toContain('77');
    const tollFree = await ts.client.availablePhoneNumbers('US').tollFree.list({ limit: 3 });
    for (const n of tollFree) expect(n.phoneNumber).toMatch(/^\+18(00|33|44|55|66|77|88)/);
    const gb = await ts.client.availablePhoneNumbers('GB').local.list({ limit: 2 });
    for (const n of gb) expect(n.phoneNumber).toMatch(/^\+44/);
  });

  it('buys an offered number, configures it, lists it and releases it', async () => {
    const [offer] = await ts.client.availablePhoneNumbers('US').local.list({ areaCode: 512, limit: 1 });
    const bought = await ts.client.incomingPhoneNumbers.create({ phoneNumber: offer.phoneNumber, friendlyName: 'support line' });
    expect(bought.sid).toMatch(/^PN[0-9a-f]{32}$/);
    const updated = await ts.client.incomingPhoneNumbers(bought.sid).update({ smsUrl: `${hooks.url}/sms`, voiceUrl: `${hooks.url}/voice`, statusCallback: `${hooks.url}/status` });
    expect(updated.smsUrl).toBe(`${hooks.url}/sms`);
    expect(updated.voiceUrl).toBe(`${hooks.url}/voice`);
    const listed = await ts.client.incomingPhoneNumbers.list({ phoneNumber: offer.phoneNumber });
    expect(listed.map((n) => n.sid)).toEqual([bought.sid]);
    expect(await ts.client.incomingPhoneNumbers(bought.sid).remove()).toBe(true);
    await expect(ts.client.incomingPhoneNumbers(bought.sid).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
  });

  it('refuses to buy a number it did not offer', async () => {
    await expect(ts.client.incomingPhoneNumbers.create({ phoneNumber: '+14155550100' })).rejects.toMatchObject({ code: 21422 });
  });
});

describe('sandbox calls', () => {
  it('progresses queued, ringing, in-progress, completed with signed callbacks, fetching TwiML from Url', async () => {
    hooks.answer = (h) => (h.path === '/voice' ? { body: '<Response><Say>Hello</Say><Pause length="1"/></Response>' } : { body: '' });
    const call = await ts.client.calls.create({
      to: '+15550005678',
      from: ts.number,
      url: `${hooks.url}/voice`,
      statusCallback: `${hooks.url}/call-status`,
      statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
    });
    expect(call.sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(call.status).toBe('queued');
    await expect.poll(async () => (await ts.client.calls(call.sid).fetch()).status, { timeout: 5000 }).toBe('completed');
    // Callbacks travel on their own, like Twilio's: wait for all four rather than assume they beat the fetch.
    const eventsOf = () => hooks.received.filter((h) => h.path === '/call-status' && h.params.CallSid === call.sid);
    await expect.poll(() => eventsOf().map((h) => h.params.CallStatus).sort()).toEqual(['completed', 'in-progress', 'initiated', 'ringing']);
    const events = eventsOf();
    const voice = hooks.received.find((h) => h.path === '/voice' && h.params.CallSid === call.sid)!;
    expect(voice.params).toMatchObject({ CallStatus: 'in-progress', Direction: 'outbound-api', From: ts.number, To: '+15550005678' });
    for (const h of [...events, voice]) expect(twilio.validateRequest(ts.info.authToken, h.headers['x-twilio-signature'] as string, h.url, h.params)).toBe(true);
    const completed = events.find((h) => h.params.CallStatus === 'completed')!;
    expect(Number(completed.params.CallDuration)).toBeGreaterThanOrEqual(1);
    const docs = await (await fetch(`${ts.sb.baseUrl}/sandbox/v1/calls/${call.sid}/documents`)).json();
    expect(docs.documents[0]).toMatchObject({ url: `${hooks.url}/voice`, twiml: '<Response><Say>Hello</Say><Pause length="1"/></Response>', status: 200 });
  });

  it('hangs up with Status=completed, redirects with Twiml, and says 20404 for a call already ended', async () => {
    const call = await ts.client.calls.create({ to: '+15550005678', from: ts.number, twiml: '<Response><Pause length="60"/></Response>' });
    await expect.poll(async () => (await ts.client.calls(call.sid).fetch()).status).toBe('in-progress');
    await ts.client.calls(call.sid).update({ twiml: '<Response><Say>Changed</Say><Pause length="60"/></Response>' });
    await expect.poll(async () => (await (await fetch(`${ts.sb.baseUrl}/sandbox/v1/calls/${call.sid}/documents`)).json()).documents.length).toBe(2);
    const ended = await ts.client.calls(call.sid).update({ status: 'completed' });
    expect(ended.status).toBe('completed');
    await expect(ts.client.calls(call.sid).update({ status: 'completed' })).rejects.toMatchObject({ code: 20404 });
    expect((await ts.client.calls.list({ to: '+15550005678' })).map((c) => c.sid)).toContain(call.sid);
  });

  it('ends a call whose Url redirects to itself after 50 redirects, with error 11215', async () => {
    hooks.answer = (h) => (h.path === '/self' ? { body: '<Response><Redirect>/self</Redirect></Response>' } : { body: '' });
    const call = await ts.client.calls.create({ to: '+15550005678', from: ts.number, url: `${hooks.url}/self` });
    await expect.poll(async () => (await ts.client.calls(call.sid).fetch()).status, { timeout: 10_000 }).toBe('completed');
    expect(hooks.received.filter((h) => h.path === '/self' && h.params.CallSid === call.sid).length).toBe(51);
    const notes = (await (await fetch(`${ts.sb.baseUrl}/sandbox/v1/notifications`)).json()).notifications as { code: number; relatedSid: string }[];
    expect(notes).toContainEqual(expect.objectContaining({ code: 11215, relatedSid: call.sid }));
  });

  it('validates calls like Twilio', async () => {
    await expect(ts.client.calls.create({ to: '+15550005678', from: '+15550001111', url: `${hooks.url}/voice` })).rejects.toMatchObject({ code: 21210 });
    await expect(ts.client.calls.create({ to: '+1234', from: ts.number, url: `${hooks.url}/voice` })).rejects.toMatchObject({ code: 21211 });
  });

  it('records a call when asked: list, an 8 kHz WAV holding what was said, MP3 refused clearly, delete', async () => {
    const call = await ts.client.calls.create({ to: '+15550005678', from: ts.number, twiml: '<Response><Say>This call is recorded.</Say><Pause length="1"/></Response>', record: true });
    // The recording exists (in-progress) from the answer on; it completes when the call ends.
    await expect.poll(async () => (await ts.client.recordings.list({ callSid: call.sid })).map((r) => r.status), { timeout: 5000 }).toEqual(['completed']);
    const [rec] = await ts.client.recordings.list({ callSid: call.sid });
    expect(rec.sid).toMatch(/^RE[0-9a-f]{32}$/);
    expect((await ts.client.calls(call.sid).recordings.list()).map((r) => r.sid)).toEqual([rec.sid]);
    const wav = Buffer.from(await (await ts.api(`/2010-04-01/Accounts/${ts.info.accountSid}/Recordings/${rec.sid}.wav`)).arrayBuffer());
    expect(wav.subarray(0, 4).toString()).toBe('RIFF');
    expect(wav.subarray(8, 12).toString()).toBe('WAVE');
    expect(wav.readUInt32LE(24)).toBe(8000);
    expect(wav.readUInt32LE(40)).toBe(Number(rec.duration) * 8000 * 2);
    expect(wav.subarray(44).some((b) => b !== 0)).toBe(true);
    const mp3 = await ts.api(`/2010-04-01/Accounts/${ts.info.accountSid}/Recordings/${rec.sid}.mp3`);
    expect(mp3.status).toBe(501);
    expect(await mp3.json()).toMatchObject({ code: 20501, message: expect.stringContaining('fetch the same recording as .wav') });
    expect((await fetch(`${ts.sb.baseUrl}/2010-04-01/Accounts/${ts.info.accountSid}/Recordings/${rec.sid}.wav`)).status).toBe(401);
    expect(await ts.client.recordings(rec.sid).remove()).toBe(true);
    expect(await ts.client.recordings.list({ callSid: call.sid })).toEqual([]);
  });

  it('every answer fitted the OpenAPI spec', () => {
    expect(ts.checked.count).toBeGreaterThan(15);
    expect(ts.schemaErrors).toEqual([]);
  });
});
