/** <Say>, <Play> and <Pause>: what the far end hears, for as long as it lasts in call time. */
import { sleep, speechMs } from '../clock.js';
import { type Leg, scaled } from '../leg.js';
import { describeHeard, type Heard } from '../line.js';
import { addTimeline } from '../timeline.js';
import { textOf, type XmlElement } from '../../xml.js';

/** The sandbox does not fetch <Play> audio (it may sit anywhere); each play lasts this long. */
export const PLAY_MS = 2000;
const DIGIT_MS = 200;
/** Twilio repeats loop="0" "until the call ends"; the sandbox stops after this many rounds. */
const MAX_LOOPS = 1000;

/** Plays one thing to the far end; `signal` cuts it short (barge-in, redirect, hang-up). */
export async function playToLine(leg: Leg, heard: Heard, callMs: number, signal: AbortSignal): Promise<void> {
  leg.line.startHearing(heard);
  addTimeline(leg.call, 'heard', describeHeard(heard), { what: heard.kind });
  try {
    await sleep(scaled(leg, callMs), signal);
  } catch (err) {
    leg.line.endHearing(heard, true);
    addTimeline(leg.call, 'note', `cut short: ${describeHeard(heard)}`);
    throw err;
  }
  leg.line.endHearing(heard);
}

function loops(el: XmlElement): number {
  const n = Number(el.attributes.loop ?? 1);
  return n === 0 ? MAX_LOOPS : n;
}

export async function runSay(leg: Leg, el: XmlElement, signal: AbortSignal): Promise<void> {
  const text = textOf(el).replace(/\s+/g, ' ');
  const heard: Heard = { kind: 'say', text, voice: el.attributes.voice, language: el.attributes.language };
  for (let i = 0; i < loops(el); i++) await playToLine(leg, heard, speechMs(text), signal);
}

export async function runPlay(leg: Leg, el: XmlElement, signal: AbortSignal): Promise<void> {
  const digits = el.attributes.digits;
  if (digits) {
    const ms = [...digits].reduce((sum, d) => sum + (d.toLowerCase() === 'w' ? 500 : DIGIT_MS), 0);
    return playToLine(leg, { kind: 'digits', digits: digits.replace(/w/gi, '') }, ms, signal);
  }
  const url = textOf(el);
  for (let i = 0; i < loops(el); i++) await playToLine(leg, { kind: 'play', url }, PLAY_MS, signal);
}

export async function runPause(leg: Leg, el: XmlElement, signal: AbortSignal): Promise<void> {
  await sleep(scaled(leg, Number(el.attributes.length ?? 1) * 1000), signal);
}
