/**
 * The caller's speech on a media stream: the deterministic speech-like signal when `espeak-ng` is not
 * on PATH (Windows users won't have it), real espeak audio when it is. Each half runs its own sandbox
 * process, started with the PATH it tests.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocketServer } from 'ws';
import { speechMs } from '../../src/sandbox/voice/clock.js';
import { encodeMulaw, speechLikeSignal } from '../../src/sandbox/voice/stream/caller-audio.js';
import { isolatedEnv, startCli } from '../helpers/cli.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { startWebSocketApp } from '../helpers/ws-app.js';

const TEXT = 'the quick brown fox jumps';
const hasEspeak = spawnSync('espeak-ng', ['--version']).status === 0;

let app: WebhookReceiver;
let wss: WebSocketServer;
/** The caller's audio each stream received, in order. */
const inbound: Buffer[][] = [];

beforeAll(async () => {
  app = await startWebhookReceiver();
  const started = await startWebSocketApp('/stream');
  wss = started.wss;
  const wsUrl = started.url;
  app.answer = () => ({ body: `<Response><Connect><Stream url="${wsUrl}"/></Connect></Response>` });
  wss.on('connection', (ws) => {
    const frames: Buffer[] = [];
    inbound.push(frames);
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data));
      // A mark tells the script the stream is open: its speech goes to the app from then on.
      if (msg.event === 'start') ws.send(JSON.stringify({ event: 'mark', streamSid: msg.streamSid, mark: { name: 'ready' } }));
      if (msg.event === 'media') frames.push(Buffer.from(msg.media.payload, 'base64'));
    });
  });
});
afterAll(async () => {
  await app.close();
  wss.close();
});

/** Starts a sandbox with this PATH, points its number at the app, and has a handset say TEXT on the stream. */
async function callerAudio(pathValue: string): Promise<{ audio: Buffer; note: string }> {
  const { env, cwd } = isolatedEnv({ PATH: pathValue });
  const sandbox = await startCli(['sandbox', '--port', '0', '--json'], { env, cwd });
  try {
    const info = JSON.parse(sandbox.firstLine);
    const account = await (await fetch(`${info.baseUrl}/sandbox/v1/account`)).json();
    const auth = 'Basic ' + Buffer.from(`${account.accountSid}:${account.authToken}`).toString('base64');
    const numberUri = `${info.baseUrl}/2010-04-01/Accounts/${account.accountSid}/IncomingPhoneNumbers/${account.numbers[0].sid}.json`;
    await fetch(numberUri, { method: 'POST', headers: { authorization: auth }, body: new URLSearchParams({ VoiceUrl: `${app.url}/voice` }) });
    const script = { steps: [{ expect: 'mark ready', within: 10 }, { say: TEXT }, { wait: speechMs(TEXT) / 1000 + 1 }, { hangup: true }] };
    const placed = await fetch(`${info.baseUrl}/sandbox/v1/calls`, { method: 'POST', body: new URLSearchParams({ From: '+15550005555', To: account.numbers[0].phoneNumber, Script: JSON.stringify(script) }) });
    const { callSid } = await placed.json();
    const before = inbound.length;
    let view: { status: string; timeline: { kind: string; text: string }[] } = { status: '', timeline: [] };
    await expect
      .poll(async () => (view = await (await fetch(`${info.baseUrl}/sandbox/v1/calls/${callSid}/timeline`)).json()).status, { timeout: 20_000 })
      .toBe('completed');
    const note = view.timeline.find((e) => e.kind === 'note' && e.text.startsWith('caller speech'))!.text;
    return { audio: Buffer.concat(inbound[before] ?? inbound.at(-1)!), note };
  } finally {
    await sandbox.stop();
  }
}

/** Bytes from the first to the last that is not mu-law silence. */
function spokenSpan(audio: Buffer): number {
  const first = audio.findIndex((b) => b !== 0xff);
  const last = audio.findLastIndex((b) => b !== 0xff);
  return first < 0 ? 0 : last - first + 1;
}

describe("the caller's speech on a media stream", () => {
  it('without espeak-ng on PATH is the deterministic speech-like signal, exactly as long as the speech', async () => {
    const emptyDir = mkdtempSync(path.join(os.tmpdir(), 'oct-no-espeak-'));
    const { audio, note } = await callerAudio(emptyDir);
    const expected = Buffer.from(encodeMulaw(speechLikeSignal(TEXT)));
    expect(expected.length).toBe(speechMs(TEXT) * 8);
    expect(Buffer.from(encodeMulaw(speechLikeSignal(TEXT)))).toEqual(expected); // the same every time
    expect(note).toBe(`caller speech "${TEXT}" as ${speechMs(TEXT)} ms of audio (synthetic)`);
    // The app received exactly those bytes, whole, between real silence.
    const at = audio.indexOf(expected);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(audio.subarray(0, at).every((b) => b === 0xff)).toBe(true);
    expect(audio.subarray(at + expected.length).every((b) => b === 0xff)).toBe(true);
    // Speech-like: mostly sound, not a tone of one level.
    expect(expected.filter((b) => b !== 0xff).length).toBeGreaterThan(expected.length * 0.8);
    expect(new Set(expected).size).toBeGreaterThan(100);
  }, 40_000);

  it.skipIf(!hasEspeak)('with espeak-ng on PATH is real espeak audio', async () => {
    const { audio, note } = await callerAudio(process.env.PATH ?? '');
    const ms = Number(/as (\d+(?:\.\d+)?) ms of audio \(espeak-ng\)$/.exec(note)?.[1]);
    // espeak-ng's own WAV of the same words, at the rate the sandbox asks for, lasts as long.
    const wav = spawnSync('espeak-ng', ['--stdout', '-v', 'en-us', '-s', '165', '--', TEXT]).stdout;
    // Written to a pipe, its header carries a placeholder length: count the 16-bit samples after it.
    const wavMs = ((wav.length - 44) / 2 / wav.readUInt32LE(24)) * 1000;
    expect(Math.abs(ms - wavMs)).toBeLessThan(5);
    expect(audio.indexOf(Buffer.from(encodeMulaw(speechLikeSignal(TEXT))))).toBe(-1);
    const span = spokenSpan(audio);
    expect(span).toBeGreaterThan(ms * 8 * 0.5);
    expect(span).toBeLessThanOrEqual(ms * 8);
  }, 40_000);
});
