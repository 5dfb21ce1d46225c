/**
 * Media stream pacing over 10 s (#9): 20 ms frames on an absolute schedule (start + n x 20 ms), seen
 * from both ends: the sandbox's own send times (the timeline's `pacing`) and arrival times at the app.
 * The tolerances survive a loaded 2-core machine: a late timer may bunch frames, but the schedule
 * catches up, so the total drift stays under 5% and the lateness does not grow over the call (chained
 * 20 ms timers gain a millisecond or more per frame: half a second over these 500 frames).
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { endedCall, handsetCall } from '../helpers/voice.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

/** Real-time pacing measured on a shared machine: a stall of the test process itself may miss a bound once. */
const REAL_TIME = { retry: 2 };

const FRAMES = 510;
let ts: TestSandbox;
let app: WebhookReceiver;
let wss: WebSocketServer;
const arrivals: { at: number; timestamp: number; chunk: number }[] = [];

beforeAll(async () => {
  ts = await startTestSandbox();
  app = await startWebhookReceiver();
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      // Frames already on the wire when the app closes still arrive: count the first FRAMES only.
      if (msg.event !== 'media' || arrivals.length === FRAMES) return;
      arrivals.push({ at: performance.now(), timestamp: Number(msg.media.timestamp), chunk: Number(msg.media.chunk) });
      if (arrivals.length === FRAMES) ws.close();
    });
  });
  const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/pacing`;
  app.answer = () => ({ body: `<Response><Connect><Stream url="${url}"/></Connect></Response>` });
  const sid = (await ts.client.incomingPhoneNumbers.list({ phoneNumber: ts.number }))[0].sid;
  await ts.client.incomingPhoneNumbers(sid).update({ voiceUrl: `${app.url}/voice` });
});
afterAll(async () => {
  await ts.close();
  await app.close();
  wss.close();
});

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

describe('media stream pacing', () => {
  it('sends 20 ms frames on an absolute schedule for 10 s: total drift under 5%, none accumulating', { ...REAL_TIME, timeout: 40_000 }, async () => {
    const call = await handsetCall(ts, '+15550003333', ts.number);
    const done = await endedCall(ts, call.callSid, 30_000);
    expect(arrivals).toHaveLength(FRAMES);
    // Every frame, in order: chunk n carries timestamp n x 20 ms.
    expect(arrivals.map((a) => a.chunk)).toEqual(arrivals.map((_, i) => i + 1));
    expect(arrivals.map((a) => a.timestamp)).toEqual(arrivals.map((_, i) => (i + 1) * 20));

    const audioMs = arrivals.at(-1)!.timestamp - arrivals[0].timestamp;
    const wallMs = arrivals.at(-1)!.at - arrivals[0].at;
    expect(audioMs).toBe((FRAMES - 1) * 20);
    expect(Math.abs(wallMs - audioMs)).toBeLessThan(audioMs * 0.05);
    // Lateness against the schedule does not grow: the last hundred frames are typically no later
    // than the first hundred (medians, so that one stall of a loaded machine does not count as drift).
    const lateness = arrivals.map((a) => a.at - arrivals[0].at - (a.timestamp - arrivals[0].timestamp));
    expect(median(lateness.slice(-100)) - median(lateness.slice(0, 100))).toBeLessThan(audioMs * 0.025);

    // The sandbox's own clock says the same.
    const pacing = (done.timeline.find((e) => e.kind === 'timing') as any).pacing;
    expect(pacing.frames).toBeGreaterThanOrEqual(FRAMES);
    const sentSpan = pacing.lastSentMs - pacing.firstSentMs;
    const scheduledSpan = (pacing.frames - 1) * 20;
    expect(Math.abs(sentSpan - scheduledSpan)).toBeLessThan(scheduledSpan * 0.05);
    expect(pacing.endLateMs).toBeLessThan(scheduledSpan * 0.05);
    // Node's timers count whole milliseconds and may fire a fraction early against performance.now.
    expect(pacing.firstSentMs).toBeGreaterThanOrEqual(19);
  });
});
