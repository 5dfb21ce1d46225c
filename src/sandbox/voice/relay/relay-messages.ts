/**
 * What the app sends on a ConversationRelay socket, checked as Twilio checks it: `text`, `play`,
 * `sendDigits`, `language` and `end`. Anything else (not JSON, no type, an unknown type, a field of
 * the wrong kind) is an invalid message: Twilio logs error 64107 and answers with an `error` message.
 */
import type { SpeechItem } from './relay-speaker.js';
import { type InputKinds, inputKindsOf } from './relay-twiml.js';

export interface AppMessageEffects {
  speak(item: SpeechItem): void;
  language(tts: string | undefined, transcription: string | undefined): void;
  end(handoffData: string | undefined): void;
  invalid(description: string): void;
  note(text: string): void;
  /** The session's `interruptible` and `preemptible`, for messages that do not say. */
  defaults: { interruptible: InputKinds; preemptible: boolean };
}

type Message = Record<string, unknown>;

/** Outside text in a description: one line, capped. */
function preview(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 120)}...` : text;
}

const INTERRUPT_VALUES = [true, false, 'true', 'false', 'none', 'any', 'speech', 'dtmf'];

/** The message's interruptible/preemptible, or a reason they are wrong. */
function flagsOf(msg: Message, fx: AppMessageEffects): { interruptible: InputKinds; preemptible: boolean } | string {
  if (msg.interruptible !== undefined && !INTERRUPT_VALUES.includes(msg.interruptible as string)) return `"interruptible" must be true, false, none, any, speech or dtmf`;
  if (msg.preemptible !== undefined && typeof msg.preemptible !== 'boolean') return `"preemptible" must be true or false`;
  return {
    interruptible: inputKindsOf(msg.interruptible as string | boolean | undefined, fx.defaults.interruptible),
    preemptible: (msg.preemptible as boolean | undefined) ?? fx.defaults.preemptible,
  };
}

function text(msg: Message, fx: AppMessageEffects): string | undefined {
  if (typeof msg.token !== 'string') return 'a text message needs a string "token"';
  if (msg.last !== undefined && typeof msg.last !== 'boolean') return '"last" must be true or false';
  const flags = flagsOf(msg, fx);
  if (typeof flags === 'string') return flags;
  fx.speak({ kind: 'text', token: msg.token, last: msg.last === true, ...flags });
  return undefined;
}

function play(msg: Message, fx: AppMessageEffects): string | undefined {
  if (typeof msg.source !== 'string' || !/^https?:\/\/\S+$/.test(msg.source)) return 'a play message needs a "source" URL (https://...)';
  const loop = msg.loop ?? 1;
  if (typeof loop !== 'number' || !Number.isInteger(loop) || loop < 0) return '"loop" must be a whole number of times (0 repeats)';
  const flags = flagsOf(msg, fx);
  if (typeof flags === 'string') return flags;
  fx.speak({ kind: 'play', source: msg.source, loop, ...flags });
  fx.note(`play ${preview(msg.source)}`);
  return undefined;
}

function sendDigits(msg: Message, fx: AppMessageEffects): string | undefined {
  if (typeof msg.digits !== 'string' || !/^[0-9wW*#]+$/.test(msg.digits)) return 'sendDigits needs "digits" made of 0-9, *, # and w';
  fx.speak({ kind: 'digits', digits: msg.digits });
  fx.note(`sendDigits ${msg.digits}`);
  return undefined;
}

function language(msg: Message, fx: AppMessageEffects): string | undefined {
  const { ttsLanguage: tts, transcriptionLanguage: stt } = msg;
  if ((tts !== undefined && typeof tts !== 'string') || (stt !== undefined && typeof stt !== 'string')) return 'ttsLanguage and transcriptionLanguage must be strings';
  if (tts === undefined && stt === undefined) return 'a language message needs ttsLanguage or transcriptionLanguage';
  fx.language(tts, stt);
  fx.note(`language tts=${preview(tts ?? '(same)')} transcription=${preview(stt ?? '(same)')}`);
  return undefined;
}

function end(msg: Message, fx: AppMessageEffects): string | undefined {
  if (msg.handoffData !== undefined && typeof msg.handoffData !== 'string') return '"handoffData" must be a string (JSON.stringify your object)';
  fx.note(msg.handoffData === undefined ? 'end' : `end with handoffData ${preview(msg.handoffData)}`);
  fx.end(msg.handoffData);
  return undefined;
}

const HANDLERS: Record<string, (msg: Message, fx: AppMessageEffects) => string | undefined> = { text, play, sendDigits, language, end };

/** Carries out one message from the app, or reports it as invalid. */
export function carryOutAppMessage(raw: string, fx: AppMessageEffects): void {
  let msg: unknown;
  try {
    msg = JSON.parse(raw);
  } catch {
    return fx.invalid(`not JSON: ${preview(raw)}`);
  }
  if (!msg || typeof msg !== 'object' || Array.isArray(msg)) return fx.invalid(`not a JSON object: ${preview(raw)}`);
  const type = (msg as Message).type;
  const handler = typeof type === 'string' && Object.hasOwn(HANDLERS, type) ? HANDLERS[type] : undefined;
  if (!handler) return fx.invalid(`unknown type ${preview(type ?? '(none)')}`);
  const problem = handler(msg as Message, fx);
  if (problem) fx.invalid(`${type}: ${problem}`);
}
