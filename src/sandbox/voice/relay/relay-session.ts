/**
 * One ConversationRelay session: the sandbox as Twilio's side of `<Connect><ConversationRelay>`, with
 * text in place of speech. It opens a WebSocket to the app (the upgrade signed like a media stream's),
 * sends `setup`, speaks the welcome greeting, then turns the handset's speech into `prompt`s (after
 * the time the caller takes to say it), its keys into `dtmf` (when dtmfDetection is on), and talking
 * over the app into `interrupt` (when `interruptible` allows). The app's messages are carried out by
 * relay-messages.ts; the session ends with the app's `end`, the app closing the socket, or the call.
 */
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { newSid } from '../../ids.js';
import { type Problem, recordNotification } from '../../notifications.js';
import { CallAborted, sleep, speechMs, whenAborted } from '../clock.js';
import type { Leg } from '../leg.js';
import { describeHeard, type Input } from '../line.js';
import { openSignedSocket } from '../signed-socket.js';
import { addTimeline } from '../timeline.js';
import { type AppMessageEffects, carryOutAppMessage } from './relay-messages.js';
import { RelaySpeaker } from './relay-speaker.js';
import { RelayTiming } from './relay-timing.js';
import { allows, type RelaySettings } from './relay-twiml.js';

/** The app's text is outside text: the timeline keeps at most this much of one entry. */
const MAX_TIMELINE_TEXT = 2000;

function capped(text: string): string {
  return text.length > MAX_TIMELINE_TEXT ? `${text.slice(0, MAX_TIMELINE_TEXT)}...` : text;
}

export interface RelayOutcome {
  /** completed: the app sent `end`; failed: the socket could not open or the app closed it. */
  status: 'completed' | 'failed';
  handoffData?: string;
  error?: Problem;
  /** Whole seconds the session lasted. */
  durationS: number;
}

export class RelaySession {
  readonly sessionId = newSid('VX');
  private ws: WebSocket | undefined;
  private readonly speaker: RelaySpeaker;
  private readonly timing = new RelayTiming();
  private language: { tts: string; transcription: string };
  private startedAt = performance.now();
  private callerSpeech: Promise<void> = Promise.resolve();
  private resolveEnded: (outcome: Omit<RelayOutcome, 'durationS'>) => void = () => undefined;
  /** The session's end is decided: later socket events (our own close among them) change nothing. */
  private settled = false;

  constructor(
    private readonly leg: Leg,
    private readonly settings: RelaySettings,
  ) {
    this.language = { tts: settings.ttsLanguage, transcription: settings.transcriptionLanguage };
    this.speaker = new RelaySpeaker({
      line: leg.line,
      scale: leg.scale,
      voice: () => ({ language: this.language.tts, voice: settings.voice ?? undefined }),
      // Entered when the reply ends (its words are known then), with `startedT` for when it began.
      heard: (heard, { cut, ms, startedAt }) => {
        const text = describeHeard(heard);
        const startedT = startedAt - leg.call._createdMs;
        if (text) addTimeline(leg.call, 'heard', capped(text), { what: heard.kind, via: 'relay', cut, ms, startedT });
      },
    });
  }

  /** Runs the session to its end; throws CallAborted when the call hangs up or moves on. */
  async run(signal: AbortSignal): Promise<RelayOutcome> {
    const ended = new Promise<Omit<RelayOutcome, 'durationS'>>((resolve) => (this.resolveEnded = resolve));
    try {
      this.ws = await openSignedSocket(this.settings.url, this.leg.ctx.account.authToken);
    } catch (err) {
      return { ...this.failed(64102, `ConversationRelay could not connect to ${this.settings.url}: ${(err as Error).message}`), durationS: 0 };
    }
    this.startedAt = performance.now();
    const aborted = whenAborted(signal);
    this.listen(this.ws);
    this.note(`session ${this.sessionId} open to ${this.settings.url}`, 'setup');
    this.send(this.setupMessage());
    if (this.settings.welcomeGreeting) {
      const kinds = this.settings.welcomeGreetingInterruptible;
      this.speaker.enqueue({ kind: 'text', token: this.settings.welcomeGreeting, last: true, interruptible: kinds, preemptible: false });
    }
    const onInput = (input: Input) => this.callerInput(input);
    this.leg.line.on('did', onInput);
    try {
      const how = await Promise.race([ended, aborted]);
      if (how === 'aborted') throw new CallAborted(String(signal.reason ?? 'aborted'));
      return { ...how, durationS: Math.round((performance.now() - this.startedAt) / 1000) };
    } finally {
      this.settled = true;
      this.leg.line.off('did', onInput);
      this.speaker.stop();
      if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1000);
      addTimeline(this.leg.call, 'timing', `relay session ${this.sessionId} ended`, { sessionId: this.sessionId, ...this.timing.summary() });
    }
  }

  private setupMessage(): Record<string, unknown> {
    const { ctx, call } = this.leg;
    return {
      type: 'setup',
      sessionId: this.sessionId,
      accountSid: ctx.account.sid,
      parentCallSid: call.parent_call_sid ?? '',
      callSid: call.sid,
      from: call.from,
      to: call.to,
      forwardedFrom: '',
      callType: 'PSTN',
      callerName: '',
      direction: call.direction,
      callStatus: call.status.toUpperCase(),
      customParameters: this.settings.customParameters,
    };
  }

  private listen(ws: WebSocket): void {
    const effects: AppMessageEffects = {
      speak: (item) => {
        if (item.kind === 'text') this.timing.appText(this.ms());
        this.speaker.enqueue(item);
      },
      language: (tts, transcription) => (this.language = { tts: tts ?? this.language.tts, transcription: transcription ?? this.language.transcription }),
      end: (handoffData) => this.finish(() => ({ status: 'completed', handoffData })),
      invalid: (description) => {
        this.problem(64107, `ConversationRelay: invalid message received: ${description}`);
        this.send({ type: 'error', description: `Invalid message received: ${description}` });
      },
      note: (text) => this.note(text, 'app'),
      defaults: { interruptible: this.settings.interruptible, preemptible: this.settings.preemptible },
    };
    ws.on('message', (data) => carryOutAppMessage(String(data), effects));
    ws.on('close', () => this.finish(() => this.failed(64105, 'ConversationRelay: the app closed the WebSocket without an end message')));
    ws.on('error', (err) => this.finish(() => this.failed(64105, `ConversationRelay: the WebSocket failed: ${err.message}`)));
  }

  /** Decides the session's end once; `outcome` runs only for the first (it may record a notification). */
  private finish(outcome: () => Omit<RelayOutcome, 'durationS'>): void {
    if (this.settled) return;
    this.settled = true;
    this.resolveEnded(outcome());
  }

  /** The handset did something: barge-in first, then the prompt once the caller has finished speaking. */
  private callerInput(input: Input): void {
    this.leg.line.dropPending();
    const talking = this.speaker.talking;
    const kind = input.kind;
    if (kind === 'dtmf' && !this.settings.dtmfDetection) return this.note(`keys ${input.digits} not reported: dtmfDetection is off`, 'ignored');
    const cut = this.speaker.interrupt(kind);
    if (cut) {
      this.send({ type: 'interrupt', ...cut });
      this.timing.interrupted(this.ms(), cut.durationUntilInterruptMs);
      this.note(`interrupt after "${cut.utteranceUntilInterrupt}" (${cut.durationUntilInterruptMs} ms)`, 'interrupt', { ...cut, utteranceUntilInterrupt: capped(cut.utteranceUntilInterrupt) });
    } else if (talking && !allows(this.settings.reportInputDuringAgentSpeech, kind)) {
      return this.note(`${kind} while the app talks not reported (interruptible and reportInputDuringAgentSpeech do not allow it)`, 'ignored');
    }
    if (input.kind === 'dtmf') {
      for (const digit of input.digits) this.send({ type: 'dtmf', digit });
      return this.note(`dtmf ${input.digits}`, 'dtmf');
    }
    const text = input.text;
    this.callerSpeech = this.callerSpeech.then(() => this.prompt(text));
  }

  private async prompt(text: string): Promise<void> {
    // The caller takes as long to say it as the handset would; the prompt comes at the end of speech.
    await sleep(speechMs(text) * this.leg.scale);
    if (this.ws?.readyState !== WebSocket.OPEN) return;
    const message = { type: 'prompt', voicePrompt: text, lang: this.language.transcription, last: true };
    this.send(message);
    this.timing.prompted(this.ms());
    this.note(`prompt "${text}"`, 'prompt', { voicePrompt: text, lang: message.lang });
  }

  private failed(code: number, message: string): Omit<RelayOutcome, 'durationS'> {
    return { status: 'failed', error: this.problem(code, message) };
  }

  private problem(code: number, message: string): Problem {
    const problem = recordNotification(this.leg.ctx, { code, message }, { url: this.settings.url, relatedSid: this.leg.call.sid });
    addTimeline(this.leg.call, 'error', `${code}: ${message}`, { code, sessionId: this.sessionId });
    return problem;
  }

  private note(text: string, relay: string, detail: object = {}): void {
    addTimeline(this.leg.call, 'relay', capped(text), { relay, sessionId: this.sessionId, ...detail });
  }

  private send(message: unknown): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  private ms(): number {
    return Math.round(performance.now() - this.startedAt);
  }
}
