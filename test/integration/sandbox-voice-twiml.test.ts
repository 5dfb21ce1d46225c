import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { endedCall, handsetCall, heard, notifications } from '../helpers/voice.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const CALLER = '+15550007777';
let ts: TestSandbox;
let app: WebhookReceiver;
let numberSid: string;

/** Points the sandbox number's VoiceUrl at a path of the test app. */
async function voiceUrl(path: string, fallback?: string) {
  await ts.client.incomingPhoneNumbers(numberSid).update({ voiceUrl: `${app.url}${path}`, voiceFallbackUrl: fallback ? `${app.url}${fallback}` : '' });
}

function twimlFor(routes: Record<string, string>) {
  app.answer = (h) => ({ body: routes[h.path] ?? '<Response/>' });
}

beforeAll(async () => {
  ts = await startTestSandbox();
  app = await startWebhookReceiver();
  numberSid = (await ts.client.incomingPhoneNumbers.list({ phoneNumber: ts.number }))[0].sid;
});
afterAll(async () => {
  await ts.close();
  await app.close();
});

describe('TwiML run by the sandbox', () => {
  it('runs an IVR menu: Say inside Gather, digits posted to action, the answer carried out', async () => {
    twimlFor({
      '/ivr': '<Response><Gather numDigits="1" action="/menu"><Say>Welcome. Press 1 for sales, 2 for support.</Say></Gather><Say>No choice made.</Say></Response>',
      '/menu': '<Response><Say>Sales here. Goodbye.</Say><Hangup/></Response>',
    });
    await voiceUrl('/ivr');
    const started = await handsetCall(ts, CALLER, ts.number, { steps: [{ expect: 'press 1 for sales' }, { press: '1' }, { expect: 'Sales here' }] });
    const done = await endedCall(ts, started.callSid);
    expect(done.script?.failure).toBeUndefined();
    expect(done).toMatchObject({ status: 'completed', direction: 'inbound', script: { ok: true } });
    expect(heard(done)).toEqual(['Welcome. Press 1 for sales, 2 for support.', 'Sales here. Goodbye.']);
    const first = app.received.find((h) => h.path === '/ivr' && h.params.CallSid === started.callSid)!;
    expect(first.params).toMatchObject({ CallStatus: 'ringing', Direction: 'inbound', From: CALLER, To: ts.number, Caller: CALLER, Called: ts.number, AccountSid: ts.info.accountSid, ApiVersion: '2010-04-01', FromCountry: 'US' });
    const menu = app.received.find((h) => h.path === '/menu' && h.params.CallSid === started.callSid)!;
    expect(menu.params).toMatchObject({ Digits: '1', CallStatus: 'in-progress' });
    for (const h of [first, menu]) {
      expect(twilio.validateRequest(ts.info.authToken, h.headers['x-twilio-signature'] as string, h.url, h.params)).toBe(true);
      expect(h.headers['i-twilio-idempotency-token']).toBeTruthy();
    }
    const kinds = new Set(done.timeline.map((e) => e.kind));
    for (const k of ['status', 'heard', 'did', 'webhook', 'twiml']) expect(kinds).toContain(k);
  });

  it('posts SpeechResult and Confidence for a speech Gather, and finishOnKey ends digits', async () => {
    twimlFor({
      '/speech': '<Response><Gather input="speech" action="/heard"><Say>What do you need?</Say></Gather></Response>',
      '/heard': '<Response><Gather finishOnKey="#" action="/account"><Say>Account number, then hash.</Say></Gather></Response>',
      '/account': '<Response><Say>Thanks.</Say></Response>',
    });
    await voiceUrl('/speech');
    const started = await handsetCall(ts, CALLER, ts.number, {
      steps: [{ expect: 'What do you need' }, { say: 'a table for two' }, { expect: 'Account number' }, { press: '4711#' }, { expect: 'Thanks' }],
    });
    expect((await endedCall(ts, started.callSid)).script).toMatchObject({ ok: true });
    const speech = app.received.find((h) => h.path === '/heard' && h.params.CallSid === started.callSid)!;
    expect(speech.params).toMatchObject({ SpeechResult: 'a table for two', Confidence: '0.9' });
    expect(app.received.find((h) => h.path === '/account' && h.params.CallSid === started.callSid)!.params).toMatchObject({ Digits: '4711', FinishedOnKey: '#' });
  });

  it('goes on to the next verb when a Gather times out, and a failed expect names what was heard', async () => {
    twimlFor({ '/quiet': '<Response><Gather timeout="1"><Say>Say something.</Say></Gather><Say>We did not hear you.</Say></Response>' });
    await voiceUrl('/quiet');
    const started = await handsetCall(ts, CALLER, ts.number, { steps: [{ expect: 'a menu that never comes', within: 2 }] });
    const done = await endedCall(ts, started.callSid);
    expect(done.script).toMatchObject({ ok: false });
    expect(done.script!.failure).toContain('Say something.');
    const quiet = await handsetCall(ts, CALLER, ts.number, { steps: [{ expect: 'We did not hear you' }] });
    expect((await endedCall(ts, quiet.callSid)).script).toMatchObject({ ok: true });
  });

  it('follows <Redirect>, and <Reject reason="busy"> leaves the call unanswered', async () => {
    twimlFor({ '/start': '<Response><Redirect method="POST">/next</Redirect></Response>', '/next': '<Response><Say>Redirected.</Say></Response>', '/reject': '<Response><Reject reason="busy"/></Response>' });
    await voiceUrl('/start');
    const redirected = await endedCall(ts, (await handsetCall(ts, CALLER, ts.number)).callSid);
    expect(heard(redirected)).toEqual(['Redirected.']);
    await voiceUrl('/reject');
    const rejected = await endedCall(ts, (await handsetCall(ts, CALLER, ts.number)).callSid);
    expect(rejected.status).toBe('busy');
    const call = await ts.client.calls(rejected.callSid).fetch();
    expect(call.startTime).toBeNull();
    expect(call.duration).toBeNull();
  });

  it('fails a call with invalid TwiML (12100) or an unknown verb (12200): the caller hears the application error', async () => {
    twimlFor({ '/broken': '<Response><Say>unclosed</Response>', '/unknown': '<Response><Dance/></Response>', '/badattr': '<Response><Gather numDigits="many"/></Response>' });
    for (const [path, code] of [['/broken', 12100], ['/unknown', 12200], ['/badattr', 12200]] as const) {
      await voiceUrl(path);
      const done = await endedCall(ts, (await handsetCall(ts, CALLER, ts.number)).callSid);
      expect(heard(done)).toEqual(['We are sorry, an application error has occurred. Goodbye.']);
      expect(await notifications(ts)).toContainEqual(expect.objectContaining({ code, relatedSid: done.callSid }));
    }
  });

  it('falls back to VoiceFallbackUrl when the VoiceUrl is too slow, and reports 11200 when both fail', async () => {
    twimlFor({ '/fallback': '<Response><Say>From the fallback.</Say></Response>' });
    const slow = app.answer;
    app.answer = (h) => (h.path === '/slow' ? { delayMs: 2000, body: '<Response/>' } : slow(h));
    await voiceUrl('/slow#rt=300&tt=300', '/fallback');
    const done = await endedCall(ts, (await handsetCall(ts, CALLER, ts.number)).callSid);
    expect(heard(done)).toEqual(['From the fallback.']);
    expect(done.timeline.find((e) => e.kind === 'webhook')).toMatchObject({ usedFallback: true });
    app.answer = () => ({ status: 500, body: 'oops' });
    await voiceUrl('/down');
    const failed = await endedCall(ts, (await handsetCall(ts, CALLER, ts.number)).callSid);
    expect(heard(failed)).toEqual(['We are sorry, an application error has occurred. Goodbye.']);
    expect(await notifications(ts)).toContainEqual(expect.objectContaining({ code: 11200, relatedSid: failed.callSid }));
  });

  it('records with <Record>: beep, the caller speaks, action and callbacks, a WAV as long as the recording, a transcription from the script', async () => {
    twimlFor({
      '/message': '<Response><Say>Leave a message.</Say><Record action="/saved" recordingStatusCallback="/rec-status" recordingStatusCallbackEvent="in-progress completed absent" transcribeCallback="/transcribed" timeout="2"/></Response>',
      '/saved': '<Response><Say>Saved.</Say></Response>',
    });
    await voiceUrl('/message');
    const started = await handsetCall(ts, CALLER, ts.number, { steps: [{ expect: 'beep' }, { say: 'please call me back' }, { press: '#' }, { expect: 'Saved' }] });
    expect((await endedCall(ts, started.callSid)).script).toMatchObject({ ok: true });
    const saved = app.received.find((h) => h.path === '/saved' && h.params.CallSid === started.callSid)!;
    expect(saved.params).toMatchObject({ Digits: '#' });
    expect(saved.params.RecordingSid).toMatch(/^RE[0-9a-f]{32}$/);
    const rec = await ts.client.recordings(saved.params.RecordingSid as string).fetch();
    expect(rec).toMatchObject({ callSid: started.callSid, source: 'RecordVerb', status: 'completed' });
    expect(saved.params.RecordingDuration).toBe(String(rec.duration));
    await expect.poll(() => app.received.filter((h) => h.path === '/rec-status' && h.params.RecordingSid === rec.sid).map((h) => h.params.RecordingStatus)).toEqual(['in-progress', 'completed']);
    const wav = Buffer.from(await (await ts.api(`/2010-04-01/Accounts/${ts.info.accountSid}/Recordings/${rec.sid}.wav`)).arrayBuffer());
    expect(wav.subarray(0, 4).toString()).toBe('RIFF');
    expect(wav.readUInt32LE(24)).toBe(8000);
    expect(wav.readUInt32LE(40)).toBe(Number(rec.duration) * 8000 * 2);
    expect(wav.subarray(44).some((b) => b !== 0)).toBe(true);
    await expect.poll(() => app.received.find((h) => h.path === '/transcribed')?.params).toMatchObject({ TranscriptionText: 'please call me back', TranscriptionType: 'sandbox-script', RecordingSid: rec.sid });
    const listed = await ts.client.recordings(rec.sid).transcriptions.list();
    expect(listed.map((t) => t.transcriptionText)).toEqual(['please call me back']);
  });

  it('reports an absent recording when the caller says nothing, and goes on to the next verb', async () => {
    twimlFor({ '/silent': '<Response><Record recordingStatusCallback="/absent" recordingStatusCallbackEvent="absent" timeout="1"/><Say>Nothing recorded.</Say></Response>' });
    await voiceUrl('/silent');
    const done = await endedCall(ts, (await handsetCall(ts, CALLER, ts.number)).callSid);
    expect(heard(done)).toEqual(['[beep]', 'Nothing recorded.']);
    await expect.poll(() => app.received.find((h) => h.path === '/absent')?.params.RecordingStatus).toBe('absent');
  });

  it('dials another sandbox number: its VoiceUrl talks to the caller, then Dial action gets DialCallStatus', async () => {
    const [offer] = await ts.client.availablePhoneNumbers('US').local.list({ areaCode: 212, limit: 1 });
    const other = await ts.client.incomingPhoneNumbers.create({ phoneNumber: offer.phoneNumber, voiceUrl: `${app.url}/other` });
    twimlFor({
      '/front': `<Response><Say>Connecting you.</Say><Dial action="/after" timeout="10" record="record-from-answer"><Number>${other.phoneNumber}</Number></Dial></Response>`,
      '/other': '<Response><Say>This is the other line.</Say></Response>',
      '/after': '<Response><Say>The other line hung up.</Say></Response>',
    });
    await voiceUrl('/front');
    const started = await handsetCall(ts, CALLER, ts.number, { steps: [{ expect: 'other line' }, { expect: 'hung up' }] });
    const done = await endedCall(ts, started.callSid);
    expect(done.script).toMatchObject({ ok: true });
    const after = app.received.find((h) => h.path === '/after' && h.params.CallSid === started.callSid)!;
    expect(after.params).toMatchObject({ DialCallStatus: 'completed' });
    const child = await ts.client.calls(after.params.DialCallSid as string).fetch();
    expect(child).toMatchObject({ parentCallSid: started.callSid, direction: 'outbound-dial', to: other.phoneNumber, status: 'completed' });
    expect((await ts.client.calls.list({ parentCallSid: started.callSid })).map((c) => c.sid)).toEqual([child.sid]);
    expect((await ts.client.recordings.list({ callSid: started.callSid })).map((r) => r.source)).toEqual(['DialVerb']);
  });

  it('reports DialCallStatus busy for a ring-out number', async () => {
    twimlFor({ '/busy': '<Response><Dial action="/after-busy">+15559999003</Dial></Response>', '/after-busy': '<Response><Say>They are busy.</Say></Response>' });
    await voiceUrl('/busy');
    const done = await endedCall(ts, (await handsetCall(ts, CALLER, ts.number)).callSid);
    expect(heard(done)).toEqual(['They are busy.']);
    expect(app.received.find((h) => h.path === '/after-busy' && h.params.CallSid === done.callSid)!.params).toMatchObject({ DialCallStatus: 'busy' });
  });

  it('every answer fitted the OpenAPI spec', () => {
    expect(ts.schemaErrors).toEqual([]);
  });
});
