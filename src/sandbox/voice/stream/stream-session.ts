/**
 * One media stream: the sandbox as Twilio's side of `<Connect><Stream>` / `<Start><Stream>`. It opens
 * a WebSocket to the app with the upgrade signed (X-Twilio-Signature over the URL), sends `connected`
 * and `start`, then every 20 ms on an absolute schedule (start + n x 20 ms, never chained delays) one
 * `media` frame of the caller's audio: scripted speech, or mu-law silence. What the app sends back is
 * played at the same pace: `mark`s are echoed when the audio before them has played, `clear` drops
 * what is unplayed and echoes its marks at once. Keys become `dtmf` events; hang-up sends `stop`.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { newSid } from '../../ids.js';
import type { Input } from '../line.js';
import { openSignedSocket } from '../signed-socket.js';
import { callerSpeech, FRAME_BYTES, MULAW_SILENCE } from './caller-audio.js';
import { type StreamFaultPlan, StreamFaults } from './stream-faults.js';
import { type StreamTiming, TimingFacts } from './timing.js';

export interface StreamOptions {
  url: string;
  name?: string;
  accountSid: string;
  callSid: string;
  authToken: string;
  tracks: string[];
  customParameters: Record<string, string>;
  /** Notes for the call's timeline. */
  note(text: string, detail?: Record<string, unknown>): void;
  /** The app's audio reached the caller (ms of audio, in the order played). */
  heardAudio(ms: number, mark?: string): void;
  /** Faults to inject (`--fault stream-drop|packet-loss|jitter|echo`). */
  faults?: StreamFaultPlan;
  /** The app's audio started or stopped playing (a caller can barge in while it plays). */
  playing?(on: boolean): void;
}

type Outgoing = { kind: 'audio'; bytes: Uint8Array; offset: number } | { kind: 'mark'; name: string };

const MAX_KEPT_BYTES = 8000 * 60 * 30; // 30 minutes per track

export class StreamSession {
  readonly streamSid = newSid('MZ');
  readonly name: string | undefined;
  private ws: WebSocket | undefined;
  private sequence = 1;
  /** The schedule's frame count; `sentChunks` counts the media messages actually sent. */
  private chunk = 0;
  private sentChunks = 0;
  readonly faults: StreamFaults | undefined;
  private dropTimer: NodeJS.Timeout | undefined;
  private dropped = false;
  private started = 0;
  private timer: NodeJS.Timeout | undefined;
  private callerQueue: Uint8Array[] = [];
  private callerOffset = 0;
  private outgoing: Outgoing[] = [];
  private playedSinceMark = 0;
  readonly inboundTrack: number[] = [];
  readonly outboundTrack: number[] = [];
  readonly timing = new TimingFacts();
  /** Settles when the socket has closed, with who closed it. */
  readonly closed: Promise<'app' | 'sandbox' | 'error' | 'fault'>;
  private resolveClosed!: (by: 'app' | 'sandbox' | 'error' | 'fault') => void;
  private stopping = false;
  private appPlaying = false;

  constructor(private readonly opts: StreamOptions) {
    this.name = opts.name;
    this.faults = opts.faults && new StreamFaults(opts.faults);
    this.closed = new Promise((r) => (this.resolveClosed = r));
  }

  /** Opens the socket; rejects when the app cannot be reached or refuses the upgrade. */
  async open(): Promise<void> {
    const ws = await openSignedSocket(this.opts.url, this.opts.authToken);
    this.ws = ws;
    ws.on('message', (data) => this.onAppMessage(String(data)));
    ws.on('close', () => {
      this.halt();
      this.resolveClosed(this.dropped ? 'fault' : this.stopping ? 'sandbox' : 'app');
    });
    ws.on('error', () => this.resolveClosed('error'));
    this.send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    this.send({
      event: 'start',
      sequenceNumber: String(this.sequence++),
      start: {
        accountSid: this.opts.accountSid,
        streamSid: this.streamSid,
        callSid: this.opts.callSid,
        tracks: this.opts.tracks,
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
        customParameters: this.opts.customParameters,
      },
      streamSid: this.streamSid,
    });
    this.started = performance.now();
    this.schedule();
    const dropAfter = this.opts.faults?.dropAfterMs;
    if (dropAfter !== undefined) this.dropTimer = setTimeout(() => this.drop(), dropAfter);
  }

  /** The `stream-drop` fault: the connection is cut, no `stop`, no close frame. */
  private drop(): void {
    this.dropped = true;
    this.halt();
    this.ws?.terminate();
  }

  /** The caller's keys and speech during the stream. */
  async callerInput(input: Input): Promise<void> {
    if (input.kind === 'dtmf') {
      for (const digit of input.digits) this.sendLater({ event: 'dtmf', streamSid: this.streamSid, sequenceNumber: String(this.sequence++), dtmf: { track: 'inbound_track', digit } });
      return;
    }
    const { audio, source } = await callerSpeech(input.text);
    this.opts.note(`caller speech "${input.text}" as ${audio.length / 8} ms of audio (${source})`);
    if (this.outgoingAudioBytes() > 0) this.timing.bargeInStarted(this.chunk * 20);
    this.callerQueue.push(audio);
  }

  private outgoingAudioBytes(): number {
    return this.outgoing.reduce((n, o) => n + (o.kind === 'audio' ? o.bytes.length - o.offset : 0), 0);
  }

  private send(message: unknown): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  /** Sends after `start`: through the jitter queue when that fault is on, so order is kept. */
  private sendLater(message: unknown, dueAt?: number): void {
    if (this.faults) this.faults.send(() => this.send(message), dueAt, dueAt !== undefined);
    else this.send(message);
  }

  /** Frame n goes out at started + n x 20 ms; a late timer catches up, never drifts. */
  private schedule(): void {
    const due = this.started + (this.chunk + 1) * 20;
    this.timer = setTimeout(() => this.tick(), Math.max(0, due - performance.now()));
  }

  private tick(): void {
    const now = performance.now();
    while (this.started + (this.chunk + 1) * 20 <= now + 1 && !this.stopping) {
      this.chunk++;
      this.sendCallerFrame();
      this.playAppFrame();
    }
    if (!this.stopping) this.schedule();
  }

  private sendCallerFrame(): void {
    const frame = new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE);
    let filled = 0;
    while (filled < FRAME_BYTES && this.callerQueue.length) {
      const head = this.callerQueue[0];
      const take = Math.min(FRAME_BYTES - filled, head.length - this.callerOffset);
      frame.set(head.subarray(this.callerOffset, this.callerOffset + take), filled);
      filled += take;
      this.callerOffset += take;
      if (this.callerOffset >= head.length) {
        this.callerQueue.shift();
        this.callerOffset = 0;
        if (!this.callerQueue.length) this.timing.utteranceEnded(this.chunk * 20);
      }
    }
    const timestamp = this.chunk * 20;
    const heard = this.faults ? this.faults.withEcho(frame, timestamp) : frame;
    this.timing.frameSent(this.chunk, performance.now() - this.started);
    if (this.faults?.losesFrame(timestamp)) {
      keep(this.inboundTrack, new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE));
      return;
    }
    keep(this.inboundTrack, heard);
    const media = { track: 'inbound', chunk: String(++this.sentChunks), timestamp: String(timestamp), payload: Buffer.from(heard).toString('base64') };
    this.sendLater({ event: 'media', sequenceNumber: String(this.sequence++), media, streamSid: this.streamSid }, this.started + timestamp);
  }

  private playAppFrame(): void {
    let played = 0;
    const frame = new Uint8Array(FRAME_BYTES).fill(MULAW_SILENCE);
    while (this.outgoing.length) {
      const head = this.outgoing[0];
      if (head.kind === 'mark') {
        this.outgoing.shift();
        this.echoMark(head.name);
        continue;
      }
      if (played >= FRAME_BYTES) break;
      const take = Math.min(FRAME_BYTES - played, head.bytes.length - head.offset);
      frame.set(head.bytes.subarray(head.offset, head.offset + take), played);
      played += take;
      this.playedSinceMark += take;
      head.offset += take;
      if (head.offset >= head.bytes.length) this.outgoing.shift();
    }
    keep(this.outboundTrack, frame);
    this.faults?.appPlayed(frame);
    this.setPlaying(played > 0);
  }

  private setPlaying(on: boolean): void {
    if (on === this.appPlaying) return;
    this.appPlaying = on;
    this.opts.playing?.(on);
  }

  private echoMark(name: string): void {
    this.opts.heardAudio(this.playedSinceMark / 8, name);
    this.playedSinceMark = 0;
    this.sendLater({ event: 'mark', sequenceNumber: String(this.sequence++), streamSid: this.streamSid, mark: { name } });
  }

  private onAppMessage(text: string): void {
    let msg: { event?: string; media?: { payload?: string }; mark?: { name?: string } };
    try {
      msg = JSON.parse(text);
    } catch {
      this.opts.note('the app sent a message that is not JSON (ignored, as Twilio logs error 31951)');
      return;
    }
    if (msg.event === 'media' && typeof msg.media?.payload === 'string') {
      const bytes = new Uint8Array(Buffer.from(msg.media.payload, 'base64'));
      this.timing.appAudio(this.chunk * 20);
      this.outgoing.push({ kind: 'audio', bytes, offset: 0 });
    } else if (msg.event === 'mark' && msg.mark?.name) {
      this.outgoing.push({ kind: 'mark', name: msg.mark.name });
    } else if (msg.event === 'clear') {
      this.timing.clearArrived(this.chunk * 20);
      const marks = this.outgoing.filter((o): o is Extract<Outgoing, { kind: 'mark' }> => o.kind === 'mark');
      this.outgoing = [];
      this.setPlaying(false);
      // What played before the clear is what the caller heard; the dropped marks come back at once.
      if (this.playedSinceMark || marks.length) this.opts.heardAudio(this.playedSinceMark / 8, marks[0]?.name);
      for (const m of marks.slice(1)) this.opts.heardAudio(0, m.name);
      this.playedSinceMark = 0;
      for (const m of marks) this.sendLater({ event: 'mark', sequenceNumber: String(this.sequence++), streamSid: this.streamSid, mark: { name: m.name } });
      this.opts.note(`clear: unplayed audio dropped, ${marks.length} mark(s) echoed`);
    }
  }

  private halt(): void {
    this.stopping = true;
    this.setPlaying(false);
    if (this.timer) clearTimeout(this.timer);
    if (this.dropTimer) clearTimeout(this.dropTimer);
  }

  /** Ends the stream from the sandbox's side (hang-up, <Stop>): `stop`, then close. */
  stop(): void {
    if (this.stopping) return;
    if (this.playedSinceMark) this.opts.heardAudio(this.playedSinceMark / 8);
    this.faults?.flush();
    this.send({ event: 'stop', sequenceNumber: String(this.sequence++), stop: { accountSid: this.opts.accountSid, callSid: this.opts.callSid }, streamSid: this.streamSid });
    this.halt();
    this.ws?.close(1000);
  }

  timingFacts(): StreamTiming {
    return this.timing.summary();
  }
}

function keep(track: number[], frame: Uint8Array): void {
  if (track.length + frame.length <= MAX_KEPT_BYTES) for (const b of frame) track.push(b);
}
