import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket, WebSocketServer } from 'ws';
import { RELAY_MS_PER_CHAR } from '../../src/sandbox/voice/relay/relay-speaker.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { endedCall, handsetCall, handsetDoes, heard, notifications, timeline } from '../helpers/voice.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { startAppAcceptingAfterHangup, startWebSocketApp } from '../helpers/ws-app.js';

/** Real-time pacing measured on a shared machine: a stall of the test process itself may miss a bound once. */
const REAL_TIME = { retry: 2 };

let ts: TestSandbox;
let app: WebhookReceiver;
let wss: WebSocketServer;
let wsUrl: string;
let numberSid: string;

interface Session {
  messages: any[];
  signature: string;
  url: string;
  ws: WebSocket;
}
const sessions: Session[] = [];
let converse: (s: Session, msg: any) => void = () => {};

const STORY =
  'Once upon a time there was a baker who rose at four every morning to light the oven, knead the dough, shape the loaves, and sing to the sourdough starter, which had been in the family for ninety years and had opinions of its own about rye, spelt and the proper length of a proof.';

beforeAll(async () => {
  // Scale 0.2: the app's speech runs five times faster than on a phone, slow enough to talk over.
  ts = await startTestSandbox({ voiceTimeScale: 0.2 });
  app = await startWebhookReceiver();
  ({ wss, url: wsUrl } = await startWebSocketApp('/relay'));
  wss.on('connection', (ws, req) => {
    const session: Session = { messages: [], signature: String(req.headers['x-twilio-signature']), url: `ws://${req.headers.host}${req.url}`, ws };
    sessions.push(session);
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      session.messages.push(msg);
      converse(session, msg);
    });
  });
  numberSid = (await ts.client.incomingPhoneNumbers.list({ phoneNumber: ts.number }))[0].sid;
});
afterAll(async () => {
  await ts.close();
  await app.close();
  wss.close();
});

const say = (ws: WebSocket, ...tokens: string[]) => tokens.forEach((token, i) => ws.send(JSON.stringify({ type: 'text', token, last: i === tokens.length - 1 })));

async function answerWith(twiml: string, action = '<Response><Say>Handing you over now.</Say></Response>'): Promise<void> {
  app.answer = (h) => ({ body: h.path === '/voice' ? twiml : h.path === '/relay-done' ? action : '<Response/>' });
  await ts.client.incomingPhoneNumbers(numberSid).update({ voiceUrl: `${app.url}/voice` });
}

describe('<Connect><ConversationRelay>', () => {
  it('converses with a scripted caller: setup, prompts, tokens heard, dtmf, interrupt on barge-in, end with handoffData to the action URL', async () => {
    await answerWith(
      `<Response><Connect action="/relay-done"><ConversationRelay url="${wsUrl}" welcomeGreeting="Hi, this is the bakery. How can I help?" dtmfDetection="true" language="en-GB"><Parameter name="customer" value="Jane"/></ConversationRelay></Connect></Response>`,
    );
    converse = ({ ws }, msg) => {
      if (msg.type === 'prompt' && msg.voicePrompt === 'what is open today') say(ws, 'We are ', 'open until ', 'six.');
      if (msg.type === 'prompt' && msg.voicePrompt === 'tell me a story') say(ws, ...STORY.match(/.{1,24}/g)!);
      if (msg.type === 'prompt' && msg.voicePrompt === 'stop please') say(ws, 'Sure.');
      if (msg.type === 'dtmf' && msg.digit === '5') {
        ws.send(JSON.stringify({ type: 'play', source: 'https://example.com/hold.mp3' }));
        ws.send(JSON.stringify({ type: 'sendDigits', digits: '12' }));
      }
      if (msg.type === 'prompt' && msg.voicePrompt === 'a person please') ws.send(JSON.stringify({ type: 'end', handoffData: JSON.stringify({ reason: 'live-agent' }) }));
    };
    const call = await handsetCall(ts, '+15550007777', ts.number, {
      steps: [
        { expect: 'How can I help', within: 10 },
        { say: 'what is open today' },
        { expect: 'We are open until six.' },
        { say: 'tell me a story' },
        // The caller speaks for 1.6 s of call time, then the story starts; 4 s in, it is well under way.
        { wait: 4 },
        { interrupt: 'stop please' },
        { expect: '/^Sure\\.$/' },
        { press: '5' },
        { expect: '[audio https://example.com/hold.mp3]' },
        { expect: '[tones 12]' },
        { say: 'a person please' },
        { expect: 'Handing you over now.' },
      ],
    });
    const done = await endedCall(ts, call.callSid, 30_000);
    expect(done.script).toMatchObject({ ok: true });

    const session = sessions.at(-1)!;
    expect(twilio.validateRequest(ts.info.authToken, session.signature, session.url, {})).toBe(true);
    const [setup, ...rest] = session.messages;
    expect(setup).toEqual({
      type: 'setup',
      sessionId: expect.stringMatching(/^VX[0-9a-f]{32}$/),
      accountSid: ts.info.accountSid,
      parentCallSid: '',
      callSid: call.callSid,
      from: '+15550007777',
      to: ts.number,
      forwardedFrom: '',
      callType: 'PSTN',
      callerName: '',
      direction: 'inbound',
      callStatus: 'IN-PROGRESS',
      customParameters: { customer: 'Jane' },
    });
    const types = rest.map((m) => (m.type === 'prompt' ? `prompt:${m.voicePrompt}` : m.type === 'dtmf' ? `dtmf:${m.digit}` : m.type));
    expect(types).toEqual(['prompt:what is open today', 'prompt:tell me a story', 'interrupt', 'prompt:stop please', 'dtmf:5', 'prompt:a person please']);
    expect(rest[0]).toEqual({ type: 'prompt', voicePrompt: 'what is open today', lang: 'en-GB', last: true });

    // The interrupt says how much of the story the caller heard, at the documented speaking rate.
    const interrupt = rest[2];
    expect(interrupt.utteranceUntilInterrupt.length).toBeGreaterThan(0);
    expect(interrupt.utteranceUntilInterrupt.length).toBeLessThan(STORY.length);
    expect(STORY.startsWith(interrupt.utteranceUntilInterrupt)).toBe(true);
    expect(interrupt.durationUntilInterruptMs).toBeGreaterThanOrEqual(interrupt.utteranceUntilInterrupt.length * RELAY_MS_PER_CHAR);
    expect(interrupt.durationUntilInterruptMs).toBeLessThan((interrupt.utteranceUntilInterrupt.length + 1) * RELAY_MS_PER_CHAR);

    expect(heard(done)).toEqual([
      'Hi, this is the bakery. How can I help?',
      'We are open until six.',
      interrupt.utteranceUntilInterrupt,
      'Sure.',
      '[audio https://example.com/hold.mp3]',
      '[tones 12]',
      'Handing you over now.',
    ]);
    const cutEntry = done.timeline.find((e) => e.kind === 'heard' && e.cut === true);
    expect(cutEntry).toMatchObject({ text: interrupt.utteranceUntilInterrupt, via: 'relay' });
    const relayEntries = done.timeline.filter((e) => e.kind === 'relay').map((e) => e.relay);
    expect(relayEntries).toEqual(expect.arrayContaining(['setup', 'prompt', 'interrupt', 'dtmf', 'app', 'session-end']));
    const timing = done.timeline.find((e) => e.kind === 'timing') as any;
    expect(timing.answers.length).toBe(4);
    expect(timing.answers[0].latencyMs).toBeGreaterThanOrEqual(0);
    expect(timing.interrupts).toEqual([{ atMs: expect.any(Number), durationUntilInterruptMs: interrupt.durationUntilInterruptMs }]);

    const action = app.received.find((h) => h.path === '/relay-done')!;
    expect(action.params).toMatchObject({
      AccountSid: ts.info.accountSid,
      CallSid: call.callSid,
      CallStatus: 'in-progress',
      From: '+15550007777',
      To: ts.number,
      Direction: 'inbound',
      SessionId: setup.sessionId,
      SessionStatus: 'completed',
      SessionDuration: expect.stringMatching(/^\d+$/),
      HandoffData: '{"reason":"live-agent"}',
    });
    expect(action.params.ErrorCode).toBeUndefined();
    expect(twilio.validateRequest(ts.info.authToken, String(action.headers['x-twilio-signature']), action.url, action.params as Record<string, string>)).toBe(true);
    // The sandbox closed the socket after `end`, as Twilio does.
    await expect.poll(() => session.ws.readyState).toBe(3);
  }, 40_000);

  it('answers invalid messages with an error (64107) and goes on; the app closing the socket fails the session (64105) and requests the action', async () => {
    await answerWith(`<Response><Connect action="/relay-done"><ConversationRelay url="${wsUrl}" welcomeGreeting="Hello"/></Connect></Response>`, '<Response><Say>The assistant is gone.</Say></Response>');
    converse = ({ ws }, msg) => {
      if (msg.type !== 'setup') return;
      ws.send('{not json');
      ws.send(JSON.stringify({ type: 'dance' }));
      ws.send(JSON.stringify({ type: 'text', token: 42 }));
      say(ws, 'Still here.');
    };
    const before = sessions.length;
    const call = await handsetCall(ts, '+15550007777', ts.number, { steps: [{ expect: 'Still here.' }, { expect: 'The assistant is gone.' }] });
    await expect.poll(() => sessions[before]?.messages.filter((m) => m.type === 'error').length).toBe(3);
    const session = sessions[before];
    expect(session.messages.filter((m) => m.type === 'error').map((m) => m.description)).toEqual([
      expect.stringContaining('not JSON'),
      expect.stringContaining('unknown type dance'),
      expect.stringContaining('string "token"'),
    ]);
    await expect.poll(async () => heard(await timeline(ts, call.callSid))).toContain('Still here.');
    session.ws.close();
    const done = await endedCall(ts, call.callSid);
    expect(done.script).toMatchObject({ ok: true });
    const codes = (await notifications(ts)).filter((n) => n.relatedSid === call.callSid).map((n) => n.code);
    expect(codes).toEqual([64107, 64107, 64107, 64105]);
    expect(done.timeline.filter((e) => e.kind === 'error').map((e) => e.code)).toEqual([64107, 64107, 64107, 64105]);
    const action = app.received.filter((h) => h.path === '/relay-done').at(-1)!;
    expect(action.params).toMatchObject({ CallSid: call.callSid, SessionStatus: 'failed', ErrorCode: '64105', SessionId: session.messages[0].sessionId });
    expect(action.params.HandoffData).toBeUndefined();
  });

  it('with interruptible="none" the caller cannot barge in and is not reported; an unreachable app (64102) goes on to the next verb', async () => {
    await answerWith(`<Response><Connect><ConversationRelay url="${wsUrl}" interruptible="none"/></Connect><Say>After the relay.</Say></Response>`);
    converse = ({ ws }, msg) => {
      if (msg.type === 'setup') say(ws, 'Please listen to this whole message. ', 'It cannot be interrupted.');
      if (msg.type === 'prompt') say(ws, `You said ${msg.voicePrompt}.`);
    };
    const before = sessions.length;
    const call = await handsetCall(ts, '+15550007777', ts.number, {
      steps: [{ interrupt: 'hello?' }, { expect: 'It cannot be interrupted.' }, { say: 'goodbye' }, { expect: 'You said goodbye.' }, { hangup: true }],
    });
    const done = await endedCall(ts, call.callSid);
    expect(done.script).toMatchObject({ ok: true });
    expect(sessions[before].messages.filter((m) => m.type !== 'setup')).toEqual([{ type: 'prompt', voicePrompt: 'goodbye', lang: 'en-US', last: true }]);
    expect(heard(done)).toEqual(['Please listen to this whole message. It cannot be interrupted.', 'You said goodbye.']);
    expect(done.timeline.some((e) => e.kind === 'relay' && e.relay === 'ignored')).toBe(true);

    await answerWith('<Response><Connect><ConversationRelay url="ws://127.0.0.1:9/nothing"/></Connect><Say>No assistant today.</Say></Response>');
    const failed = await endedCall(ts, (await handsetCall(ts, '+15550007777', ts.number)).callSid);
    expect(heard(failed)).toEqual(['No assistant today.']);
    expect((await notifications(ts)).find((n) => n.relatedSid === failed.callSid)).toMatchObject({ code: 64102 });
  });

  it("honours the app's per-message settings: preemptible gives way, interruptible:false keeps speaking while reported speech goes on as a prompt, language changes later prompts", async () => {
    await answerWith(`<Response><Connect><ConversationRelay url="${wsUrl}" reportInputDuringAgentSpeech="speech"/></Connect></Response>`);
    converse = ({ ws }, msg) => {
      const send = (m: object) => ws.send(JSON.stringify(m));
      if (msg.type === 'setup') {
        send({ type: 'text', token: 'Please hold while I look that up.', last: true, preemptible: true });
        setTimeout(() => {
          send({ type: 'text', token: 'Found it: your cake is ready.', last: true });
          send({ type: 'text', token: 'This part cannot be interrupted, whatever you say.', last: true, interruptible: false });
        }, 150);
      }
      if (msg.type === 'prompt' && msg.voicePrompt === 'hello') {
        send({ type: 'language', ttsLanguage: 'fr-FR', transcriptionLanguage: 'fr-FR' });
        say(ws, 'Bonjour.');
      }
      if (msg.type === 'prompt' && msg.voicePrompt === 'merci') say(ws, 'Au revoir.');
    };
    const before = sessions.length;
    const call = await handsetCall(ts, '+15550007777', ts.number, {
      steps: [{ expect: 'Found it' }, { interrupt: 'hello' }, { expect: 'whatever you say' }, { expect: 'Bonjour.' }, { say: 'merci' }, { expect: 'Au revoir.' }, { hangup: true }],
    });
    const done = await endedCall(ts, call.callSid);
    expect(done.script).toMatchObject({ ok: true });
    const [hold, ...rest] = heard(done);
    expect('Please hold while I look that up.'.startsWith(hold)).toBe(true);
    expect(hold.length).toBeLessThan('Please hold while I look that up.'.length);
    expect(rest).toEqual(['Found it: your cake is ready.', 'This part cannot be interrupted, whatever you say.', 'Bonjour.', 'Au revoir.']);
    expect(sessions[before].messages.filter((m) => m.type !== 'setup')).toEqual([
      { type: 'prompt', voicePrompt: 'hello', lang: 'en-US', last: true },
      { type: 'prompt', voicePrompt: 'merci', lang: 'fr-FR', last: true },
    ]);
  });

  it("keeps at most 2,000 characters of one reply in the timeline (the app's text is outside text)", async () => {
    const fast = await startTestSandbox({ voiceTimeScale: 0.001 });
    try {
      const sid = (await fast.client.incomingPhoneNumbers.list({ phoneNumber: fast.number }))[0].sid;
      app.answer = () => ({ body: `<Response><Connect><ConversationRelay url="${wsUrl}"/></Connect></Response>` });
      await fast.client.incomingPhoneNumbers(sid).update({ voiceUrl: `${app.url}/voice` });
      converse = ({ ws }, msg) => msg.type === 'setup' && say(ws, 'blah '.repeat(600));
      const call = await handsetCall(fast, '+15550007777', fast.number, { steps: [{ expect: 'blah blah' }, { hangup: true }] });
      const done = await endedCall(fast, call.callSid);
      expect(done.script).toMatchObject({ ok: true });
      const reply = done.timeline.find((e) => e.kind === 'heard')!;
      expect(reply.text).toBe(`${'blah '.repeat(400)}...`);
    } finally {
      await fast.close();
    }
  });

  it("a recorded relay call holds the app's reply where it began, though the timeline enters it when it ends", REAL_TIME, async () => {
    converse = ({ ws }, msg) => {
      if (msg.type !== 'setup') return;
      setTimeout(() => say(ws, 'Hello there, this is a recorded call.'), 500);
      setTimeout(() => ws.send(JSON.stringify({ type: 'end' })), 1500);
    };
    const call = await ts.client.calls.create({ to: '+15550005678', from: ts.number, twiml: `<Response><Connect><ConversationRelay url="${wsUrl}"/></Connect></Response>`, record: true });
    await expect.poll(async () => (await ts.client.recordings.list({ callSid: call.sid })).map((r) => r.status), { timeout: 10_000 }).toEqual(['completed']);
    const [rec] = await ts.client.recordings.list({ callSid: call.sid });
    const view = await timeline(ts, call.sid);
    const answeredT = view.timeline.find((e) => e.kind === 'status' && e.text === 'in-progress')!.t;
    const reply = view.timeline.find((e) => e.kind === 'heard')!;
    expect(reply.text).toBe('Hello there, this is a recorded call.');
    expect(Number(reply.startedT)).toBeLessThan(reply.t - 300);
    const wav = Buffer.from(await (await ts.api(`/2010-04-01/Accounts/${ts.info.accountSid}/Recordings/${rec.sid}.wav`)).arrayBuffer());
    const samples = new Int16Array(wav.buffer.slice(wav.byteOffset + 44, wav.byteOffset + wav.length));
    const firstSoundMs = (samples.findIndex((v) => Math.abs(v) > 200) / 8000) * 1000;
    expect(Math.abs(firstSoundMs - (Number(reply.startedT) - answeredT))).toBeLessThan(250);
  });

  it('closes the socket when the caller hangs up while it is still opening', async () => {
    // The upgrade arrives: the caller hangs up, and only then does the app accept.
    const slow = await startAppAcceptingAfterHangup('/slow', (sid) => handsetDoes(ts, sid, { Hangup: 'true' }));
    const { accepted } = slow;
    try {
      await answerWith(`<Response><Connect><ConversationRelay url="${slow.url}"/></Connect></Response>`);
      const call = await handsetCall(ts, '+15550007777', ts.number);
      slow.callPlaced(call.callSid);
      await endedCall(ts, call.callSid);
      await expect.poll(() => accepted.length, { timeout: 5000 }).toBe(1);
      await expect.poll(() => accepted[0].readyState, { timeout: 3000 }).toBe(3);
      await expect.poll(async () => (await timeline(ts, call.callSid)).timeline.some((e) => e.kind === 'timing')).toBe(true);
    } finally {
      slow.wss.close();
    }
  });

  it('fails the call on attribute values Twilio refuses (12200) and only warns about unknown ones', async () => {
    await answerWith(`<Response><Connect><ConversationRelay url="${wsUrl}" interruptible="sometimes"/></Connect></Response>`);
    const bad = await endedCall(ts, (await handsetCall(ts, '+15550007777', ts.number)).callSid);
    expect(heard(bad)).toEqual(['We are sorry, an application error has occurred. Goodbye.']);
    expect((await notifications(ts)).find((n) => n.relatedSid === bad.callSid)).toMatchObject({ code: 12200, message: expect.stringContaining('interruptible="sometimes"') });

    await answerWith(`<Response><Connect><ConversationRelay url="${wsUrl}"><Language code="fr-FR" voice="x"/><Voice/></ConversationRelay></Connect></Response>`);
    const nested = await endedCall(ts, (await handsetCall(ts, '+15550007777', ts.number)).callSid);
    expect((await notifications(ts)).find((n) => n.relatedSid === nested.callSid)).toMatchObject({ code: 12200, message: expect.stringContaining('<Voice> is not allowed') });

    converse = ({ ws }, msg) => msg.type === 'setup' && ws.send(JSON.stringify({ type: 'end' }));
    await answerWith(`<Response><Connect><ConversationRelay url="${wsUrl}" mood="cheerful"/></Connect><Say>Done.</Say></Response>`);
    const warned = await endedCall(ts, (await handsetCall(ts, '+15550007777', ts.number)).callSid);
    expect(heard(warned)).toEqual(['Done.']);
    expect((await notifications(ts)).find((n) => n.relatedSid === warned.callSid)).toMatchObject({ code: 12200, message: expect.stringContaining('unknown attribute "mood"') });
  });
});
