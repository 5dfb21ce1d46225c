/**
 * The far end of a call leg, as the TwiML interpreter sees it: a handset that hears what the app
 * plays (Say text, Play URLs, digits, beeps) and answers with keys and speech. A script, the CLI, a
 * bridge to another leg or a media stream drives the handset side; the interpreter drives the app side.
 *
 * Keys and speech wait in a queue until a listening verb (Gather, Record) takes them; a verb that does
 * not listen (Say, Play, Pause outside a Gather) drops what was queued when it starts, as Twilio
 * ignores keys pressed while nothing gathers. A script that presses after hearing the whole prompt
 * therefore reaches the Gather that follows the prompt.
 */
import { EventEmitter } from 'node:events';
import { CallAborted } from './clock.js';

export type Heard =
  | { kind: 'say'; text: string; voice?: string; language?: string }
  | { kind: 'play'; url: string }
  | { kind: 'digits'; digits: string }
  | { kind: 'beep' }
  /** Speech of the other party of a bridge (a Dial to a handset, or two sandbox numbers talking). */
  | { kind: 'speech'; text: string }
  /** Audio the app sent on a media stream, as played (up to a mark, a clear, or the stream's end). */
  | { kind: 'audio'; ms: number; mark?: string };

export type Input = { kind: 'dtmf'; digits: string } | { kind: 'speech'; text: string };

export interface HearEvent {
  phase: 'start' | 'end';
  heard: Heard;
  /** At `end`: the playback was cut short (barge-in, redirect, hang-up). */
  cut?: boolean;
}

export function describeHeard(h: Heard): string {
  switch (h.kind) {
    case 'say':
    case 'speech':
      return h.text;
    case 'play':
      return `[audio ${h.url}]`;
    case 'digits':
      return `[tones ${h.digits}]`;
    case 'beep':
      return '[beep]';
    case 'audio':
      return `[app audio ${(h.ms / 1000).toFixed(2)} s${h.mark ? `, mark ${h.mark}` : ''}]`;
  }
}

export function describeInput(i: Input): string {
  return i.kind === 'dtmf' ? `pressed ${i.digits}` : `said "${i.text}"`;
}

export class Handset extends EventEmitter {
  private queue: Input[] = [];
  private hungUpFlag = false;
  /** What the app is playing to this handset right now. */
  speaking: Heard | null = null;
  /** A media stream is playing the app's audio right now (its words are not known, only that it talks). */
  appAudioPlaying = false;

  constructor(readonly number: string) {
    super();
    this.setMaxListeners(50);
  }

  get hungUp(): boolean {
    return this.hungUpFlag;
  }

  // ---- the app side (the interpreter) ----

  startHearing(heard: Heard): void {
    this.speaking = heard;
    this.emit('hear', { phase: 'start', heard } satisfies HearEvent);
  }

  endHearing(heard: Heard, cut = false): void {
    if (this.speaking === heard) this.speaking = null;
    this.emit('hear', { phase: 'end', heard, cut } satisfies HearEvent);
  }

  /** A media stream started or stopped playing the app's audio: a script's `interrupt` can barge in. */
  appAudio(playing: boolean): void {
    if (playing === this.appAudioPlaying) return;
    this.appAudioPlaying = playing;
    this.emit('talking', playing);
  }

  /** What was queued and not taken; the queue is emptied. */
  dropPending(): Input[] {
    return this.queue.splice(0);
  }

  hasInput(): boolean {
    return this.queue.length > 0;
  }

  /** The next key press or utterance, or undefined when none comes within `timeoutMs`. */
  takeInput(timeoutMs: number, signal: AbortSignal): Promise<Input | undefined> {
    const ready = this.queue.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const done = (value: Input | undefined, error?: Error) => {
        clearTimeout(timer);
        this.off('input', onInput);
        signal.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve(value);
      };
      const onInput = () => done(this.queue.shift());
      const onAbort = () => done(undefined, new CallAborted(String(signal.reason ?? 'aborted')));
      const timer = setTimeout(() => done(undefined), Math.max(0, timeoutMs));
      this.on('input', onInput);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  // ---- the handset side (script, CLI, bridge) ----

  press(digits: string): void {
    this.push({ kind: 'dtmf', digits });
  }

  speak(text: string): void {
    this.push({ kind: 'speech', text });
  }

  hangup(): void {
    if (this.hungUpFlag) return;
    this.hungUpFlag = true;
    this.emit('hangup');
  }

  private push(input: Input): void {
    if (this.hungUpFlag) return;
    this.queue.push(input);
    this.emit('did', input);
    this.emit('input');
  }
}

/** Resolves when the handset hangs up (at once if it has). */
export function hungUpPromise(handset: Handset): Promise<void> {
  return handset.hungUp ? Promise.resolve() : new Promise((resolve) => handset.once('hangup', () => resolve()));
}
