/**
 * Voice faults end to end: a sandbox started with `--fault ...`, a TwiML app and a WebSocket app on
 * port 0, and a handset calling. Each fault must do what it says and say so on the call's timeline.
 */
import type { AddressInfo } from 'node:net';
import alawmulaw from 'alawmulaw';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { parseFaults } from '../../src/sandbox/faults.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { endedCall, handsetCall, heard, notifications, type TimelineView } from '../helpers/voice.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

/** Real-time pacing measured on a shared machine: a stall of the test process itself may miss a bound once. */
const REAL_TIME = { retry: 2 };

let app: WebhookReceiver;
let wss: WebSocketServer;
let wsUrl: string;
let ts: TestSandbox | undefined;

interface StreamSeen {
  messages: { at: number; msg: any }[];
  closeCode?: number;
  ws: WebSocket;
}
let streams: StreamSeen[] = [];
let behave: (seen: StreamSeen, msg: any) => void = () => {};

beforeAll(async () => {
  app = await startWebhookReceiver();
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  wsUrl = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/stream`;
  wss.on('connection', (ws) => {
    const seen: StreamSeen = { messages: [], ws };
    streams.push(seen);
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      seen.messages.push({ at: performance.now(), msg });
      behave(seen, msg);
    });
    ws.on('close', (code) => (seen.closeCode = code));
  });
});
afterEach(async () => {
  await ts?.close();
  ts = undefined;
  streams = [];
  behave = () => {};
});
afterAll(async () => {
  await app.close();
  wss.close();
});

/** A sandbox with these faults whose number runs the app's `routes` (path -> TwiML). */
async function sandboxWith(faults: string, routes: Record<string, string>, fallback?: string): Promise<TestSandbox> {
  ts = await startTestSandbox({ faults: parseFaults(faults) });
  app.answer = (h) => ({ body: routes[h.path] ?? '<Response/>' });
  const sid = (await ts.client.incomingPhoneNumbers.list({ phoneNumber: ts.number }))[0].sid;
  await ts.client.incomingPhoneNumbers(sid).update({ voiceUrl: `${app.url}/voice`, voiceFallbackUrl: fallback ? `${app.url}${fallback}` : '' });
  return ts;
}

async function call(sb: TestSandbox, timeout = 20_000): Promise<TimelineView> {
  return endedCall(sb, (await handsetCall(sb, '+15550006666', sb.number)).callSid, timeout);
}

function faultEntries(view: TimelineView, fault?: string) {
  return view.timeline.filter((e) => e.kind === 'fault' && (!fault || e.fault === fault)) as any[];
}

const media = (seen: StreamSeen) => seen.messages.filter((m) => m.msg.event === 'media');
const closeAfterMs = (ms: number) => (seen: StreamSeen, msg: any) => {
  if (msg.event === 'media' && Number(msg.media.timestamp) >= ms) seen.ws.close();
};

describe('voice faults', () => {
  it('voice-timeout: the app is asked, its answer ignored at once, the fallback runs, 11200 is recorded', async () => {
    const sb = await sandboxWith('voice-timeout:100%', { '/voice': '<Response><Say>From the primary.</Say></Response>', '/fallback': '<Response><Say>From the fallback.</Say></Response>' }, '/fallback');
    const done = await call(sb);
    expect(heard(done)).toEqual(['From the fallback.']);
    expect(app.received.some((h) => h.path === '/voice' && h.params.CallSid === done.callSid)).toBe(true);
    expect(faultEntries(done, 'voice-timeout')[0].text).toMatch(/^voice-timeout: the answer to POST http:\/\/127\.0\.0\.1:\d+\/voice is ignored/);
    expect(done.timeline.find((e) => e.kind === 'webhook')).toMatchObject({ usedFallback: true });
    expect(await notifications(sb)).toContainEqual(expect.objectContaining({ code: 11200, relatedSid: done.callSid }));
    // Without the 15 s wait.
    expect(done.timeline.at(-1)!.t).toBeLessThan(5000);

    await sb.client.incomingPhoneNumbers((await sb.client.incomingPhoneNumbers.list())[0].sid).update({ voiceFallbackUrl: '' });
    const failed = await call(sb);
    expect(heard(failed)).toEqual(['We are sorry, an application error has occurred. Goodbye.']);
    expect(await notifications(sb)).toContainEqual(expect.objectContaining({ code: 11200, relatedSid: failed.callSid, message: expect.stringContaining('timeout') }));
  });

  it('call-failed: a <Dial>ed number fails, DialCallStatus says so and the dialled leg shows the fault', async () => {
    const sb = await sandboxWith('call-failed:100%', { '/voice': '<Response><Dial action="/dialled">+15550004444</Dial></Response>' });
    const done = await call(sb);
    const dialled = app.received.find((h) => h.path === '/dialled' && h.params.CallSid === done.callSid)!;
    expect(dialled.params.DialCallStatus).toBe('failed');
    const child = (await sb.api(`/sandbox/v1/calls/${dialled.params.DialCallSid}/timeline`).then((r) => r.json())) as TimelineView;
    expect(faultEntries(child, 'call-failed')).toHaveLength(1);
  });

  it('stream-drop: the socket is cut without stop, stream-error is posted and <Connect> goes on to its action', async () => {
    const sb = await sandboxWith('stream-drop:100%@1s', {
      '/voice': `<Response><Connect action="/after"><Stream url="${wsUrl}" statusCallback="/stream-status"/></Connect></Response>`,
      '/after': '<Response><Say>After the drop.</Say></Response>',
    });
    const done = await call(sb);
    expect(heard(done)).toEqual(['After the drop.']);
    const seen = streams[0];
    expect(seen.closeCode).toBe(1006); // no close frame
    expect(seen.messages.map((m) => m.msg.event)).not.toContain('stop');
    const frames = media(seen).length;
    expect(frames).toBeGreaterThan(35);
    expect(frames).toBeLessThan(120); // a loaded machine may fire the drop late, never early
    await expect.poll(() => app.received.filter((h) => h.path === '/stream-status' && h.params.CallSid === done.callSid).map((h) => h.params.StreamEvent)).toEqual(['stream-started', 'stream-error']);
    const error = app.received.find((h) => h.path === '/stream-status' && h.params.StreamEvent === 'stream-error')!;
    expect(error.params.StreamError).toMatch(/connection was lost/);
    expect(faultEntries(done, 'stream-drop')[0].text).toMatch(/^stream-drop: the sandbox cut stream MZ[0-9a-f]{32} after 1 s/);
  });

  it('packet-loss: the lost frames are listed, the rest arrive with gapless sequence numbers and chunks', async () => {
    const sb = await sandboxWith('packet-loss:10%,seed:1234', { '/voice': `<Response><Connect><Stream url="${wsUrl}"/></Connect></Response>` });
    behave = closeAfterMs(3000);
    const done = await call(sb);
    const arrived = media(streams[0]).map((m) => m.msg);
    const results = faultEntries(done, 'stream-results')[0];
    expect(results.text).toMatch(/packet-loss: \d+ caller frame\(s\) not sent/);
    const last = Number(arrived.at(-1).media.timestamp);
    const lost: number[] = results.packetLoss.lostTimestamps.filter((t: number) => t <= last);
    const got = arrived.map((m) => Number(m.media.timestamp));
    // Every 20 ms frame up to the last one either arrived or is listed as lost, never both.
    expect([...got, ...lost].sort((a, b) => a - b)).toEqual(Array.from({ length: last / 20 }, (_, i) => (i + 1) * 20));
    expect(lost.length / (last / 20)).toBeGreaterThan(0.04);
    expect(lost.length / (last / 20)).toBeLessThan(0.18);
    // Twilio numbers the messages it sends: no gaps in sequenceNumber or chunk, only in timestamp.
    const seqs = arrived.map((m) => Number(m.sequenceNumber));
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0] + i));
    expect(arrived.map((m) => Number(m.media.chunk))).toEqual(arrived.map((_, i) => i + 1));
  });

  it('jitter: messages arrive late by up to the bound, in order', REAL_TIME, async () => {
    const sb = await sandboxWith('jitter:60ms,seed:99', { '/voice': `<Response><Connect><Stream url="${wsUrl}"/></Connect></Response>` });
    behave = closeAfterMs(2000);
    const done = await call(sb);
    const arrived = media(streams[0]);
    const seqs = arrived.map((m) => Number(m.msg.sequenceNumber));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    // The sandbox's own account: delays drawn up to the bound, and no message held beyond it to keep order.
    const results = faultEntries(done, 'stream-results')[0].jitter;
    expect(results.maxDrawnMs).toBeLessThanOrEqual(60);
    expect(results.maxDrawnMs).toBeGreaterThan(30);
    expect(results.maxHeldMs).toBeLessThanOrEqual(60);
    // At the app, arrival against schedule is spread by the jitter. A loaded machine's stalls add to
    // a few frames, so the typical frame is checked, not the worst.
    const offsets = arrived.map((m) => m.at - Number(m.msg.media.timestamp));
    const spread = offsets.map((o) => o - Math.min(...offsets)).sort((a, b) => a - b);
    expect(spread.at(-1)).toBeGreaterThan(20);
    expect(spread[Math.floor(spread.length / 2)]).toBeLessThan(60 + 40);
  });

  it('echo: the app finds its own audio, attenuated and delayed, in the caller track, and the timeline says so', REAL_TIME, async () => {
    const sb = await sandboxWith('echo:30%@100ms', { '/voice': `<Response><Connect><Stream url="${wsUrl}"/></Connect></Response>` });
    // One second of deterministic noise: a sharp correlation peak, unlike a periodic tone.
    let seed = 12345;
    const noise = Int16Array.from({ length: 8000 }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) % 16000) - 8000);
    let sentAtTimestamp = -1;
    behave = (seen, msg) => {
      if (msg.event === 'media' && sentAtTimestamp < 0) {
        sentAtTimestamp = Number(msg.media.timestamp);
        seen.ws.send(JSON.stringify({ event: 'media', streamSid: msg.streamSid, media: { payload: Buffer.from(alawmulaw.mulaw.encode(noise)).toString('base64') } }));
      }
      closeAfterMs(2500)(seen, msg);
    };
    const done = await call(sb);
    const inbound = new Int16Array(2600 * 8);
    for (const { msg } of media(streams[0])) inbound.set(alawmulaw.mulaw.decode(Buffer.from(msg.media.payload, 'base64')), (Number(msg.media.timestamp) / 20 - 1) * 160);
    const sent = alawmulaw.mulaw.decode(alawmulaw.mulaw.encode(noise));
    const energy = sent.reduce((sum, s) => sum + s * s, 0);
    let best = { lag: -1, gain: 0 };
    for (let lag = 0; lag + sent.length <= inbound.length; lag += 1) {
      let dot = 0;
      for (let i = 0; i < sent.length; i += 4) dot += sent[i] * inbound[lag + i];
      if (dot * 4 > best.gain * energy) best = { lag, gain: (dot * 4) / energy };
    }
    // Found at about 30% of its level, 100 ms after it started playing (the next frame after it
    // arrived, later on a loaded machine), never sooner.
    expect(best.gain).toBeGreaterThan(0.24);
    expect(best.gain).toBeLessThan(0.36);
    const echoMs = best.lag / 8;
    expect(echoMs).toBeGreaterThanOrEqual(sentAtTimestamp + 100 - 20);
    expect(echoMs).toBeLessThan(sentAtTimestamp + 100 + 800);
    const results = faultEntries(done, 'stream-results')[0];
    expect(results.text).toMatch(/echo: 1\.0\d s of the app's audio came back in the caller's track/);
    expect(results.echo).toMatchObject({ gain: 0.3, delayMs: 100 });
    expect(faultEntries(done, 'stream')[0].text).toMatch(/echo at 30% after 100 ms/);
  });
});
