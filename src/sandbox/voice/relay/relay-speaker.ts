/**
 * The app's voice on a ConversationRelay session. The sandbox has no speech synthesis: it "speaks"
 * the app's text to the handset at a fixed rate, so speaking takes time and the caller can talk over
 * it. Tokens up to one with `last: true` form one reply, heard as one utterance; `play` and
 * `sendDigits` are heard as `[audio URL]` and `[tones 123]`. An interruption stops what is playing,
 * drops everything queued and says how much of the reply was spoken.
 */
import { performance } from 'node:perf_hooks';
import { CallAborted, sleep } from '../clock.js';
import type { Handset, Heard } from '../line.js';
import { PLAY_MS } from '../verbs/speak.js';
import { allows, type InputKinds } from './relay-twiml.js';

/** How long one character of the app's text takes to speak, in call time: about 150 words a minute, Say's pace. */
export const RELAY_MS_PER_CHAR = 65;
/** A reply whose `last: true` never comes ends after this long (real time) without a token. */
export const REPLY_IDLE_MS = 1000;
const DIGIT_MS = 200;
const MAX_LOOPS = 1000;

export type SpeechItem =
  | { kind: 'text'; token: string; last: boolean; interruptible: InputKinds; preemptible: boolean }
  | { kind: 'play'; source: string; loop: number; interruptible: InputKinds; preemptible: boolean }
  | { kind: 'digits'; digits: string };

export interface Interruption {
  utteranceUntilInterrupt: string;
  durationUntilInterruptMs: number;
}

export interface SpeakerOptions {
  line: Handset;
  /** Call time to real time. */
  scale: number;
  voice: () => { language: string; voice?: string };
  /** Something reached the caller in full or in part (for the timeline); `startedAt` is when it began (epoch ms). */
  heard(heard: Heard, detail: { cut: boolean; ms: number; startedAt: number }): void;
}

/** What is being heard now: a text reply (the tokens so far) or one play/digits item. */
interface Utterance {
  heard: Heard;
  startedAt: number;
  spoken: string;
  playedMs: number;
  interruptible: InputKinds;
}

interface Playing {
  item: SpeechItem;
  callMs: number;
  startedAt: number;
  cut: AbortController;
}

export class RelaySpeaker {
  private queue: SpeechItem[] = [];
  private utterance: Utterance | null = null;
  private playing: Playing | null = null;
  private pumping = false;
  private idle: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly opts: SpeakerOptions) {}

  /** The app has a reply or sound under way (playing, queued, or waiting for the reply's next token). */
  get talking(): boolean {
    return this.utterance !== null || this.queue.length > 0;
  }

  enqueue(item: SpeechItem): void {
    if (this.stopped) return;
    // A preemptible reply whose last part is playing gives way to the next text or play at once.
    const now = this.playing?.item;
    if (item.kind !== 'digits' && now && now.kind !== 'digits' && now.preemptible && (now.kind === 'play' || now.last)) this.cut();
    this.queue.push(item);
    void this.pump();
  }

  /** The caller cut in with `input`: undefined when what is playing may not be interrupted by it. */
  interrupt(input: 'speech' | 'dtmf'): Interruption | undefined {
    const u = this.utterance;
    if (!u || !allows(u.interruptible, input)) return undefined;
    return this.cut();
  }

  /** The session ended: stop speaking and drop what was queued. */
  stop(): void {
    this.stopped = true;
    this.cut();
  }

  /** Stops the current utterance where it is and drops the queue; says what had been spoken. */
  private cut(): Interruption {
    this.queue = [];
    const u = this.utterance;
    const p = this.playing;
    let spoken = u?.spoken ?? '';
    let ms = u?.playedMs ?? 0;
    if (p) {
      const elapsed = Math.min(p.callMs, (performance.now() - p.startedAt) / this.opts.scale);
      ms += Math.round(elapsed);
      if (p.item.kind === 'text') spoken += p.item.token.slice(0, Math.floor(elapsed / RELAY_MS_PER_CHAR));
      p.cut.abort('interrupted');
      this.playing = null;
    }
    if (u) this.finish(u, spoken, ms, true);
    return { utteranceUntilInterrupt: spoken, durationUntilInterruptMs: ms };
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    clearTimeout(this.idle);
    try {
      for (let item = this.queue.shift(); item && !this.stopped; item = this.queue.shift()) await this.play(item);
    } finally {
      this.pumping = false;
    }
    const u = this.utterance;
    if (u && !this.stopped && this.queue.length === 0) this.idle = setTimeout(() => this.utterance === u && this.finish(u, u.spoken, u.playedMs, false), REPLY_IDLE_MS);
  }

  private begin(item: SpeechItem): Utterance {
    const { language, voice } = this.opts.voice();
    const heard: Heard =
      item.kind === 'text' ? { kind: 'say', text: '', language, voice } : item.kind === 'play' ? { kind: 'play', url: item.source } : { kind: 'digits', digits: item.digits.replace(/w/gi, '') };
    const u: Utterance = { heard, startedAt: Date.now(), spoken: '', playedMs: 0, interruptible: item.kind === 'digits' ? 'none' : item.interruptible };
    this.utterance = u;
    this.opts.line.startHearing(heard);
    return u;
  }

  private async play(item: SpeechItem): Promise<void> {
    // A text reply still waiting for its last token ends before a sound.
    if (this.utterance && item.kind !== 'text') this.finish(this.utterance, this.utterance.spoken, this.utterance.playedMs, false);
    const u = this.utterance ?? this.begin(item);
    if (item.kind === 'text') u.interruptible = item.interruptible;
    const callMs = durationOf(item);
    const playing: Playing = { item, callMs, startedAt: performance.now(), cut: new AbortController() };
    this.playing = playing;
    try {
      await sleep(callMs * this.opts.scale, playing.cut.signal);
    } catch (err) {
      if (err instanceof CallAborted) return; // cut() has already accounted for it
      throw err;
    }
    this.playing = null;
    u.playedMs += callMs;
    if (item.kind === 'text') u.spoken += item.token;
    if (item.kind !== 'text' || item.last) this.finish(u, u.spoken, u.playedMs, false);
  }

  private finish(u: Utterance, spoken: string, ms: number, cut: boolean): void {
    if (this.utterance !== u) return;
    clearTimeout(this.idle);
    this.utterance = null;
    if (u.heard.kind === 'say') u.heard.text = spoken;
    this.opts.line.endHearing(u.heard, cut);
    this.opts.heard(u.heard, { cut, ms, startedAt: u.startedAt });
  }
}

/** Call time an item takes to play. */
function durationOf(item: SpeechItem): number {
  if (item.kind === 'text') return Math.max(1, item.token.length) * RELAY_MS_PER_CHAR;
  if (item.kind === 'play') return PLAY_MS * (item.loop === 0 ? MAX_LOOPS : item.loop);
  return [...item.digits].reduce((sum, d) => sum + (d.toLowerCase() === 'w' ? 500 : DIGIT_MS), 0);
}
