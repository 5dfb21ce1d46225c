import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFaults } from '../../src/sandbox/faults.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { bindScript, endedCall, heard, timeline } from '../helpers/voice.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

let ts: TestSandbox;
let app: WebhookReceiver;

beforeAll(async () => {
  ts = await startTestSandbox({ rates: { cps: 20 } });
  app = await startWebhookReceiver();
});
afterAll(async () => {
  await ts.close();
  await app.close();
});

describe('outbound calls over REST', () => {
  it('a scripted handset answers: it hears the TwiML, presses keys, and the callbacks carry Twilio fields', async () => {
    await bindScript(ts, '+15550001001', { answeredBy: 'machine_end_beep', steps: [{ expect: 'your code' }, { press: '42' }, { expect: 'Thank you' }] });
    app.answer = (h) =>
      h.path === '/code'
        ? { body: '<Response><Gather numDigits="2" action="/got"><Say>Enter your code.</Say></Gather></Response>' }
        : h.path === '/got'
          ? { body: '<Response><Say>Thank you.</Say></Response>' }
          : { body: '' };
    const call = await ts.client.calls.create({
      to: '+15550001001',
      from: ts.number,
      url: `${app.url}/code`,
      machineDetection: 'Enable',
      sendDigits: '1w2',
      statusCallback: `${app.url}/status`,
      statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
    });
    const done = await endedCall(ts, call.sid);
    expect(done.script).toMatchObject({ ok: true });
    expect(heard(done)).toEqual(['[tones 12] (SendDigits)', 'Enter your code.', 'Thank you.']);
    const fetched = await ts.client.calls(call.sid).fetch();
    expect(fetched).toMatchObject({ status: 'completed', answeredBy: 'machine_end_beep', direction: 'outbound-api' });
    expect(Number(fetched.duration)).toBeGreaterThanOrEqual(0);
    expect(fetched.price).toMatch(/^-0\.\d{5}$/);
    expect(fetched.startTime).toBeInstanceOf(Date);
    expect(fetched.endTime).toBeInstanceOf(Date);
    expect(app.received.find((h) => h.path === '/got' && h.params.CallSid === call.sid)!.params).toMatchObject({ Digits: '42', AnsweredBy: 'machine_end_beep' });
    const statusOf = () => app.received.filter((h) => h.path === '/status' && h.params.CallSid === call.sid);
    await expect.poll(() => statusOf().length).toBe(4);
    const callbacks = statusOf().sort((a, b) => Number(a.params.SequenceNumber) - Number(b.params.SequenceNumber));
    expect(callbacks.map((h) => [h.params.SequenceNumber, h.params.CallStatus])).toEqual([['0', 'initiated'], ['1', 'ringing'], ['2', 'in-progress'], ['3', 'completed']]);
    for (const h of callbacks) expect(h.params).toMatchObject({ CallbackSource: 'call-progress-events', AccountSid: ts.info.accountSid });
    expect(callbacks[3].params.CallDuration).toBe(fetched.duration);
    expect(callbacks[0].params.Timestamp).toMatch(/\+0000$/);
  });

  it('ring-out numbers end busy, no-answer (after Timeout) and failed, with no duration', async () => {
    const outcomes = await Promise.all(
      ['+15559999003', '+15559999001', '+15559999002'].map(async (to) => {
        const call = await ts.client.calls.create({ to, from: ts.number, twiml: '<Response><Say>never heard</Say></Response>', timeout: 1 });
        return endedCall(ts, call.sid);
      }),
    );
    expect(outcomes.map((o) => o.status)).toEqual(['busy', 'no-answer', 'failed']);
    for (const o of outcomes) expect((await ts.client.calls(o.callSid).fetch()).duration).toBeNull();
  });

  it('two sandbox numbers call each other: the called number runs its VoiceUrl and each app hears the other', async () => {
    const [offer] = await ts.client.availablePhoneNumbers('US').local.list({ areaCode: 305, limit: 1 });
    const b = await ts.client.incomingPhoneNumbers.create({ phoneNumber: offer.phoneNumber, voiceUrl: `${app.url}/b-answers` });
    app.answer = (h) =>
      h.path === '/b-answers'
        ? { body: '<Response><Gather input="speech" action="/b-heard"><Say>B here, who is calling?</Say></Gather></Response>' }
        : h.path === '/a-calls'
          ? { body: '<Response><Pause length="1"/><Say>This is A.</Say><Pause length="2"/></Response>' }
          : { body: '<Response/>' };
    const call = await ts.client.calls.create({ to: b.phoneNumber, from: ts.number, url: `${app.url}/a-calls` });
    await endedCall(ts, call.sid);
    const bHeard = await expect.poll(() => app.received.find((h) => h.path === '/b-heard'), { timeout: 5000 }).toBeTruthy();
    void bHeard;
    const hook = app.received.find((h) => h.path === '/b-heard')!;
    expect(hook.params).toMatchObject({ SpeechResult: 'This is A.', Direction: 'inbound', From: ts.number, To: b.phoneNumber });
    const aTimeline = await timeline(ts, call.sid);
    expect(heard(aTimeline)).toContain('This is A.');
    await ts.client.incomingPhoneNumbers(b.sid).remove();
  });

  it('redirects a live call with Url, cancels a ringing one, and refuses to redirect an ended one', async () => {
    app.answer = (h) => (h.path === '/hold' ? { body: '<Response><Pause length="600"/></Response>' } : h.path === '/moved' ? { body: '<Response><Say>Moved on.</Say></Response>' } : { body: '' });
    const call = await ts.client.calls.create({ to: '+15550002002', from: ts.number, url: `${app.url}/hold` });
    await expect.poll(async () => (await ts.client.calls(call.sid).fetch()).status).toBe('in-progress');
    await ts.client.calls(call.sid).update({ url: `${app.url}/moved`, method: 'POST' });
    const done = await endedCall(ts, call.sid);
    expect(heard(done)).toEqual(['Moved on.']);
    await expect(ts.client.calls(call.sid).update({ twiml: '<Response/>' })).rejects.toMatchObject({ code: 21220 });
    const ringing = await ts.client.calls.create({ to: '+15559999001', from: ts.number, twiml: '<Response/>', timeout: 30 });
    await expect.poll(async () => (await ts.client.calls(ringing.sid).fetch()).status).toBe('ringing');
    expect((await ts.client.calls(ringing.sid).update({ status: 'canceled' })).status).toBe('canceled');
    expect(await ts.client.calls(ringing.sid).remove()).toBe(true);
  });

  it('validates create like Twilio', async () => {
    await expect(ts.client.calls.create({ to: '+15550005678', from: 'nonsense', url: `${app.url}/x` })).rejects.toMatchObject({ code: 21212 });
    await expect(ts.client.calls.create({ to: '+15550005678', from: ts.number } as never)).rejects.toMatchObject({ code: 21205 });
    await expect(ts.client.calls.create({ to: '+15550005678', from: ts.number, url: 'ftp://x' })).rejects.toMatchObject({ code: 21205 });
    await expect(ts.client.calls.create({ to: '+15550005678', from: ts.number, twiml: '<Response/>', machineDetection: 'Maybe' })).rejects.toMatchObject({ code: 21626 });
    await expect(ts.client.calls.create({ to: '+15550005678', from: ts.number, twiml: '<Response/>', statusCallbackEvent: ['exploded'] })).rejects.toMatchObject({ code: 21626 });
    await expect(ts.client.calls.create({ to: '+15550005678', from: ts.number, applicationSid: 'AP0123' })).rejects.toMatchObject({ code: 21218 });
  });

  it('lists with filters and pages', async () => {
    const to = '+15550003003';
    const sids: string[] = [];
    for (let i = 0; i < 3; i++) sids.push((await ts.client.calls.create({ to, from: ts.number, twiml: '<Response><Say>hi</Say></Response>' })).sid);
    await Promise.all(sids.map((sid) => endedCall(ts, sid)));
    const listed = await ts.client.calls.list({ to, status: 'completed' });
    expect(listed.map((c) => c.sid).sort()).toEqual([...sids].sort());
    const page = await ts.client.calls.page({ to, pageSize: 2 });
    expect(page.instances.length).toBe(2);
    const next = await page.nextPage();
    expect(next!.instances.length).toBe(1);
    const today = new Date();
    expect((await ts.client.calls.list({ to, startTimeAfter: new Date(today.getTime() - 86_400_000) })).length).toBe(3);
    expect((await ts.client.calls.list({ to, startTimeBefore: new Date(today.getTime() - 86_400_000) })).length).toBe(0);
  });

  it('every answer fitted the OpenAPI spec', () => {
    expect(ts.checked.count).toBeGreaterThan(20);
    expect(ts.schemaErrors).toEqual([]);
  });
});

describe('voice faults', () => {
  it('--fault call-busy:100% makes every outbound call end busy, unanswered', async () => {
    const sb = await startTestSandbox({ faults: parseFaults('call-busy:100%') });
    try {
      const call = await sb.client.calls.create({ to: '+15550004005', from: sb.number, twiml: '<Response><Say>never</Say></Response>' });
      const done = await endedCall(sb, call.sid);
      expect(done.status).toBe('busy');
      expect(heard(done)).toEqual([]);
    } finally {
      await sb.close();
    }
  });

  it('refuses a call fault it cannot read', () => {
    expect(() => parseFaults('call-busy:150%')).toThrow(/cannot read/);
  });
});

describe('calls per second', () => {
  it('paces outbound calls per account at the CPS rate', async () => {
    const sb = await startTestSandbox({ rates: { cps: 4 } });
    try {
      const calls = await Promise.all(Array.from({ length: 5 }, () => sb.client.calls.create({ to: '+15550004004', from: sb.number, twiml: '<Response/>' })));
      const views = await Promise.all(calls.map((c) => endedCall(sb, c.sid)));
      const started = views.map((v) => v.timeline.find((e) => e.text === 'initiated')!.t + Date.parse(v.timeline[0].at) - v.timeline[0].t).sort((a, b) => a - b);
      // 5 calls at 4 per second: the last starts about a second after the first, never all at once.
      expect(started[4] - started[0]).toBeGreaterThanOrEqual(900);
    } finally {
      await sb.close();
    }
  });
});
