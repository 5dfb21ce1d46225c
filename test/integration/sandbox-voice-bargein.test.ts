import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocketServer } from 'ws';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { endedCall, handsetCall, handsetDoes, heard } from '../helpers/voice.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { startAppAcceptingAfterHangup, startWebSocketApp } from '../helpers/ws-app.js';

/** Real-time pacing measured on a shared machine: a stall of the test process itself may miss a bound once. */
const REAL_TIME = { retry: 2 };

let ts: TestSandbox;
let app: WebhookReceiver;
let wss: WebSocketServer;
let wsUrl: string;

beforeAll(async () => {
  ts = await startTestSandbox();
  app = await startWebhookReceiver();
  ({ wss, url: wsUrl } = await startWebSocketApp('/stream'));
  const numberSid = (await ts.client.incomingPhoneNumbers.list({ phoneNumber: ts.number }))[0].sid;
  app.answer = () => ({ body: `<Response><Connect><Stream url="${wsUrl}"/></Connect></Response>` });
  await ts.client.incomingPhoneNumbers(numberSid).update({ voiceUrl: `${app.url}/voice` });
});
afterAll(async () => {
  await ts.close();
  await app.close();
  wss.close();
});

const tone = (ms: number) => Buffer.from(Array.from({ length: ms * 8 }, (_, i) => (i % 16 < 8 ? 0x10 : 0x90))).toString('base64');

describe("a handset script's interrupt step against a media-stream app", () => {
  it('speaks while the app audio plays: the app gets caller audio mid-playback, sends clear, and the timeline records when the clear came', { ...REAL_TIME, timeout: 30_000 }, async () => {
    const seen = { callerAudioWhilePlaying: false, greetingSentAt: 0, clearSentAt: 0, greetingEchoAt: 0 };
    wss.once('connection', (ws) => {
      let cleared = false;
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data));
        if (msg.event === 'start') {
          // Eight seconds of greeting (time for espeak to start on a loaded machine), then a mark that
          // comes back once it has played, or at a clear.
          ws.send(JSON.stringify({ event: 'media', streamSid: msg.streamSid, media: { payload: tone(8000) } }));
          ws.send(JSON.stringify({ event: 'mark', streamSid: msg.streamSid, mark: { name: 'greeting' } }));
          seen.greetingSentAt = performance.now();
        }
        const speech = msg.event === 'media' && Buffer.from(msg.media.payload, 'base64').some((b: number) => b !== 0xff);
        if (speech && !cleared) {
          // The caller talks over the greeting: stop it, as a voice agent does on barge-in.
          seen.callerAudioWhilePlaying = seen.greetingEchoAt === 0;
          cleared = true;
          seen.clearSentAt = performance.now();
          ws.send(JSON.stringify({ event: 'clear', streamSid: msg.streamSid }));
        }
        if (msg.event === 'mark' && msg.mark.name === 'greeting') {
          seen.greetingEchoAt = performance.now();
          ws.send(JSON.stringify({ event: 'media', streamSid: msg.streamSid, media: { payload: tone(400) } }));
          ws.send(JSON.stringify({ event: 'mark', streamSid: msg.streamSid, mark: { name: 'answer' } }));
        }
        if (msg.event === 'mark' && msg.mark.name === 'answer') ws.close();
      });
    });
    const call = await handsetCall(ts, '+15550006666', ts.number, { steps: [{ interrupt: 'wait a moment', within: 5 }, { expect: 'mark answer', within: 10 }] });
    const done = await endedCall(ts, call.callSid, 20_000);
    expect(done.script?.failure).toBeUndefined();

    expect(seen.callerAudioWhilePlaying).toBe(true);
    expect(seen.clearSentAt).toBeGreaterThan(0);
    // The clear brought the greeting's mark back at once, before its eight seconds had played.
    expect(seen.greetingEchoAt).toBeGreaterThanOrEqual(seen.clearSentAt);
    expect(seen.greetingEchoAt - seen.greetingSentAt).toBeLessThan(7500);
    const greeting = heard(done).find((h) => h.includes('mark greeting'))!;
    expect(Number(/app audio ([\d.]+) s/.exec(greeting)![1])).toBeLessThan(7.5);

    const timing = done.timeline.find((e) => e.kind === 'timing') as any;
    expect(timing.bargeIns).toHaveLength(1);
    const [bargeIn] = timing.bargeIns;
    expect(bargeIn.clearMs).toBeGreaterThanOrEqual(bargeIn.startedMs);
    expect(bargeIn.latencyMs).toBe(bargeIn.clearMs - bargeIn.startedMs);
    expect(bargeIn.latencyMs).toBeLessThan(1500);
  });

  it('stops the stream when the caller hangs up while its socket is still opening', async () => {
    // The upgrade arrives: the caller hangs up, and only then does the app accept.
    const slow = await startAppAcceptingAfterHangup('/slow', (sid) => handsetDoes(ts, sid, { Hangup: 'true' }));
    const { accepted } = slow;
    try {
      app.answer = () => ({ body: `<Response><Connect><Stream url="${slow.url}"/></Connect></Response>` });
      const call = await handsetCall(ts, '+15550006666', ts.number);
      slow.callPlaced(call.callSid);
      await endedCall(ts, call.callSid);
      await expect.poll(() => accepted.length, { timeout: 5000 }).toBe(1);
      await expect.poll(() => accepted[0].readyState, { timeout: 3000 }).toBe(3);
    } finally {
      slow.wss.close();
      app.answer = () => ({ body: `<Response><Connect><Stream url="${wsUrl}"/></Connect></Response>` });
    }
  });
});
