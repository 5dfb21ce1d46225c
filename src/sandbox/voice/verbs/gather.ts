/**
 * <Gather>: plays its nested Say/Play/Pause while listening (input cuts the prompt short unless
 * bargeIn="false"), then waits `timeout` seconds for keys or speech. Keys end on finishOnKey (not
 * included) or numDigits; speech ends the utterance. The result is POSTed to `action` (default: the
 * current document's URL) as Digits, or SpeechResult + Confidence; with no input Twilio goes on to the
 * next verb unless actionOnEmptyResult="true".
 */
import { CallAborted, childSignal } from '../clock.js';
import { type Leg, resolveUrl, scaled, type VerbOutcome } from '../leg.js';
import type { Input } from '../line.js';
import { addTimeline } from '../timeline.js';
import { elementsOf, type XmlElement } from '../../xml.js';
import { runPause, runPlay, runSay } from './speak.js';

/** The confidence the sandbox reports for scripted speech: it is exactly what the handset said. */
export const SCRIPTED_CONFIDENCE = '0.9';

interface GatherSpec {
  dtmf: boolean;
  speech: boolean;
  numDigits: number;
  finishOnKey: string;
  timeoutMs: number;
}

function specOf(el: XmlElement): GatherSpec {
  const input = el.attributes.input ?? 'dtmf';
  const timeoutS = Number(el.attributes.timeout ?? 5);
  return {
    dtmf: input.includes('dtmf'),
    speech: input.includes('speech'),
    numDigits: el.attributes.numDigits ? Number(el.attributes.numDigits) : Infinity,
    finishOnKey: el.attributes.finishOnKey ?? '#',
    timeoutMs: timeoutS * 1000,
  };
}

/** Plays the nested verbs; the first input (when barge-in is on) stops them. */
async function playPrompts(leg: Leg, el: XmlElement, bargeIn: boolean, signal: AbortSignal): Promise<void> {
  const prompts = childSignal(signal);
  const onInput = () => prompts.abort('barge-in');
  if (bargeIn) leg.line.on('input', onInput);
  try {
    for (const child of elementsOf(el)) {
      if (bargeIn && leg.line.hasInput()) break;
      if (child.name === 'Say') await runSay(leg, child, prompts.signal);
      else if (child.name === 'Play') await runPlay(leg, child, prompts.signal);
      else if (child.name === 'Pause') await runPause(leg, child, prompts.signal);
    }
  } catch (err) {
    if (!(err instanceof CallAborted) || signal.aborted) throw err;
  } finally {
    leg.line.off('input', onInput);
  }
}

/** Collects keys until finishOnKey, numDigits or the timeout; speech ends at once. */
async function collect(leg: Leg, spec: GatherSpec, signal: AbortSignal): Promise<{ digits: string; speech?: string; finishedOnKey?: string }> {
  let digits = '';
  for (;;) {
    const input: Input | undefined = await leg.line.takeInput(scaled(leg, spec.timeoutMs), signal);
    if (!input) return { digits };
    if (input.kind === 'speech') {
      if (spec.speech && !digits) return { digits, speech: input.text };
      continue;
    }
    if (!spec.dtmf) continue;
    for (const key of input.digits) {
      if (key === spec.finishOnKey && spec.finishOnKey) return { digits, finishedOnKey: key };
      digits += key;
      if (digits.length >= spec.numDigits) return { digits };
    }
  }
}

export async function runGather(leg: Leg, el: XmlElement, signal: AbortSignal): Promise<VerbOutcome> {
  const spec = specOf(el);
  await playPrompts(leg, el, el.attributes.bargeIn !== 'false', signal);
  const result = await collect(leg, spec, signal);
  const empty = !result.digits && result.speech === undefined;
  if (empty && el.attributes.actionOnEmptyResult !== 'true') {
    addTimeline(leg.call, 'note', 'Gather ended with no input; going on to the next verb');
    return undefined;
  }
  const params: Record<string, string> = {};
  if (result.speech !== undefined) Object.assign(params, { SpeechResult: result.speech, Confidence: SCRIPTED_CONFIDENCE });
  else params.Digits = result.digits;
  if (result.finishedOnKey) params.FinishedOnKey = result.finishedOnKey;
  const url = el.attributes.action ? resolveUrl(leg, el.attributes.action) : (leg.docUrl ?? undefined);
  if (!url) return undefined; // inline TwiML with no action: nothing to post to, Twilio goes on
  return { url, method: el.attributes.method ?? 'POST', params, kind: 'gather' };
}
