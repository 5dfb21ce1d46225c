import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { endedCall, handsetCall, heard } from '../helpers/voice.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

/** Real-time pacing measured on a shared machine: a stall of the test process itself may miss a bound once. */
const REAL_TIME = { retry: 2 };

let ts: TestSandbox;
let app: WebhookReceiver;
let wss: WebSocketServer;
let wsUrl: string;
let numberSid: string;

interface Seen {
  messages: { at: number; msg: any }[];
  upgradeSignature: string;
  upgradeUrl: string;
  marks: Record<string, number>;
  sentAt: Record<string, number>;
}
const sessions: Seen[] = [];
let behave: (ws: WebSocket, seen: Seen) => void = () => {};

beforeAll(async () => {
  ts = await startTestSandbox();
  app = await startWebhookReceiver();
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  wsUrl = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/stream`;
  wss.on('connection', (ws, req) => {
    const seen: Seen = { messages: [], upgradeSignature: String(req.headers['x-twilio-signature']), upgradeUrl: `ws://${req.headers.host}${req.url}`, marks: {}, sentAt: {} };
    sessions.push(seen);
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      seen.messages.push({ at: performance.now(), msg });
      if (msg.event === 'mark') seen.marks[msg.mark.name] = performance.now();
    });
    behave(ws, seen);
  });
  numberSid = (await ts.client.incomingPhoneNumbers.list({ phoneNumber: ts.number }))[0].sid;
});
afterAll(async () => {
  await ts.close();
  await app.close();
  wss.close();
});

const silence = (ms: number) => Buffer.alloc(ms * 8, 0xff).toString('base64');
const tone = (ms: number) => Buffer.from(Array.from({ length: ms * 8 }, (_, i) => (i % 16 < 8 ? 0x10 : 0x90))).toString('base64');

describe('media streams to the app', () => {
  it('opens a signed stream, sends Twilio-shaped messages at 20 ms pace, echoes marks after playback, honours clear, and runs the action on close', { ...REAL_TIME, timeout: 30_000 }, async () => {
    app.answer = (h) =>
      h.path === '/voice'
        ? { body: `<Response><Connect action="/after"><Stream url="${wsUrl}" statusCallback="/stream-status"><Parameter name="FirstName" value="Jane"/></Stream></Connect></Response>` }
        : h.path === '/after'
          ? { body: '<Response><Say>The stream has ended.</Say></Response>' }
          : { body: '' };
    behave = (ws, seen) => {
      const sendMark = (name: string) => {
        seen.sentAt[name] = performance.now();
        ws.send(JSON.stringify({ event: 'mark', streamSid: 'x', mark: { name } }));
      };
      let answered = false;
      let heardSpeech = false;
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data));
        if (msg.event === 'start') sendMark('hello');
        if (msg.event === 'media' && !answered) {
          const speech = Buffer.from(msg.media.payload, 'base64').some((b) => b !== 0xff);
          if (speech) heardSpeech = true;
          else if (heardSpeech) {
            // The caller stopped talking: answer with 1 s of audio, then a mark.
            answered = true;
            ws.send(JSON.stringify({ event: 'media', streamSid: msg.streamSid, media: { payload: tone(1000) } }));
            sendMark('m1');
          }
        }
        if (msg.event === 'mark' && msg.mark.name === 'm1') {
          ws.send(JSON.stringify({ event: 'media', streamSid: msg.streamSid, media: { payload: silence(3000) } }));
          sendMark('m2');
          setTimeout(() => {
            seen.sentAt.clear = performance.now();
            ws.send(JSON.stringify({ event: 'clear', streamSid: msg.streamSid }));
          }, 300);
        }
        if (msg.event === 'mark' && msg.mark.name === 'm2') setTimeout(() => ws.close(), 100);
      });
    };
    await ts.client.incomingPhoneNumbers(numberSid).update({ voiceUrl: `${app.url}/voice` });
    const call = await handsetCall(ts, '+15550008888', ts.number, {
      steps: [{ expect: 'mark hello', within: 5 }, { press: '5' }, { say: 'hello app' }, { expect: 'mark m2', within: 10 }, { expect: 'The stream has ended' }],
    });
    const done = await endedCall(ts, call.callSid, 20_000);
    expect(done.script?.failure).toBeUndefined();
    const seen = sessions.at(-1)!;
    expect(twilio.validateRequest(ts.info.authToken, seen.upgradeSignature, seen.upgradeUrl, {})).toBe(true);
    const msgs = seen.messages.map((m) => m.msg);
    expect(msgs[0]).toEqual({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    expect(msgs[1]).toMatchObject({
      event: 'start',
      sequenceNumber: '1',
      start: { accountSid: ts.info.accountSid, callSid: call.callSid, tracks: ['inbound'], mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 }, customParameters: { FirstName: 'Jane' } },
    });
    const streamSid = msgs[1].streamSid;
    expect(streamSid).toMatch(/^MZ[0-9a-f]{32}$/);
    const seqs = msgs.slice(1).map((m) => Number(m.sequenceNumber));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    const media = seen.messages.filter((m) => m.msg.event === 'media');
    for (const m of media.slice(0, 20)) {
      expect(m.msg).toMatchObject({ streamSid, media: { track: 'inbound' } });
      expect(Buffer.from(m.msg.media.payload, 'base64').length).toBe(160);
      expect(Number(m.msg.media.timestamp)).toBe(Number(m.msg.media.chunk) * 20);
    }
    // Real-time pace: the frames span as much time as their timestamps say (absolute schedule).
    const first = media[0];
    const last = media.at(-1)!;
    const audioMs = Number(last.msg.media.timestamp) - Number(first.msg.media.timestamp);
    const wallMs = last.at - first.at;
    expect(audioMs).toBeGreaterThan(1500);
    // Arrival times are taken by this test's own (shared, possibly loaded) event loop, so they only show
    // the frames were paced, not sent in a burst (which would make wallMs near 0); the 5% precision of
    // the sandbox's own schedule is checked in sandbox-voice-pacing.test.ts.
    expect(Math.abs(wallMs - audioMs)).toBeLessThan(Math.max(1000, audioMs * 0.5));
    expect(msgs.find((m) => m.event === 'dtmf')).toMatchObject({ streamSid, dtmf: { track: 'inbound_track', digit: '5' } });
    // m1 came back after its second of audio had played; the clear returned m2 at once.
    expect(seen.marks.m1 - seen.sentAt.m1).toBeGreaterThanOrEqual(950);
    // m2 sat behind 3 s of audio: only the clear can have brought it back this early.
    expect(seen.marks.m2 - seen.sentAt.m2).toBeLessThan(2500);
    expect(seen.marks.m2).toBeGreaterThanOrEqual(seen.sentAt.clear);
    expect(heard(done)).toEqual(expect.arrayContaining(['[app audio 1.00 s, mark m1]', 'The stream has ended.']));
    const timing = done.timeline.find((e) => e.kind === 'timing') as any;
    expect(timing.answers[0].latencyMs).toBeGreaterThanOrEqual(0);
    expect(timing.bargeIns).toEqual([]);
    await expect.poll(() => app.received.filter((h) => h.path === '/stream-status').map((h) => h.params.StreamEvent)).toEqual(['stream-started', 'stream-stopped']);
    expect(app.received.find((h) => h.path === '/stream-status')!.params).toMatchObject({ StreamSid: streamSid, CallSid: call.callSid });
    const wav = Buffer.from(await (await fetch(`${ts.sb.baseUrl}/sandbox/v1/calls/${call.callSid}/audio.wav`)).arrayBuffer());
    expect(wav.subarray(0, 4).toString()).toBe('RIFF');
    expect(wav.readUInt16LE(20)).toBe(7); // mu-law
    expect(wav.readUInt16LE(22)).toBe(2); // caller and app
    expect(wav.readUInt32LE(24)).toBe(8000);
  });

  it('sends stop when the caller hangs up, and reports a stream the app refuses as stream-error', async () => {
    behave = () => {};
    app.answer = (h) => (h.path === '/voice' ? { body: `<Response><Connect><Stream url="${wsUrl}"/></Connect></Response>` } : { body: '' });
    await ts.client.incomingPhoneNumbers(numberSid).update({ voiceUrl: `${app.url}/voice` });
    const before = sessions.length;
    const call = await handsetCall(ts, '+15550008888', ts.number, { steps: [{ wait: 10 }, { hangup: true }] });
    await endedCall(ts, call.callSid);
    await expect.poll(() => sessions[before]?.messages.map((m) => m.msg.event).at(-1)).toBe('stop');
    expect(sessions[before].messages.at(-1)!.msg.stop).toEqual({ accountSid: ts.info.accountSid, callSid: call.callSid });

    app.answer = (h) => (h.path === '/voice' ? { body: '<Response><Connect><Stream url="ws://127.0.0.1:9/nothing" statusCallback="/s2"/></Connect><Say>No stream.</Say></Response>' } : { body: '' });
    const failed = await endedCall(ts, (await handsetCall(ts, '+15550008888', ts.number)).callSid);
    expect(heard(failed)).toEqual(['No stream.']);
    await expect.poll(() => app.received.find((h) => h.path === '/s2')?.params.StreamEvent).toBe('stream-error');
  });
});
