/**
 * <Dial>: rings each <Number>/<Client>/<Sip> (or the text) in turn until one answers, bridges it to
 * the caller, and when the bridge ends POSTs `action` with DialCallStatus, DialCallSid,
 * DialCallDuration (without `action`, the next verb runs). A sandbox number runs its own VoiceUrl
 * against the caller; a handset with a bound script talks through the bridge; any other handset
 * listens and hangs up after `callTalkMs`. Twilio rings several numbers at once; the sandbox rings
 * them one after the other (see docs/sandbox-voice.md).
 */
import { createRecording } from '../../resources/recordings.js';
import { bridgePeople } from '../bridge.js';
import { buildCallRecord, type CallRecord } from '../call-record.js';
import { endCall, isEnded, markAnswered, setStatus } from '../call-status.js';
import { CallAborted, sleep } from '../clock.js';
import { watchHandset, startScript } from '../connect.js';
import { farEndOrFault, RING_MS } from '../far-end.js';
import { startLeg } from '../interpreter.js';
import { type Leg, resolveUrl, scaled, type VerbOutcome } from '../leg.js';
import { Handset, hungUpPromise } from '../line.js';
import { liveCalls } from '../live-calls.js';
import { addTimeline } from '../timeline.js';
import { elementsOf, textOf, type XmlElement } from '../../xml.js';

interface Target {
  to: string;
  el: XmlElement | null;
}

function targetsOf(el: XmlElement): Target[] {
  const nouns = elementsOf(el);
  if (nouns.length === 0) return [{ to: textOf(el), el: null }];
  return nouns.map((n) => ({ to: n.name === 'Client' ? `client:${textOf(n)}` : textOf(n), el: n }));
}

/** Waits for the bridge to end: either side hangs up, or the time limit passes. */
async function bridgeUntilEnd(leg: Leg, child: CallRecord, childLine: Handset, limitMs: number, signal: AbortSignal): Promise<void> {
  const limit = new AbortController();
  const timer = setTimeout(() => limit.abort('time limit'), limitMs);
  const stop = new Promise<void>((resolve) => {
    signal.addEventListener('abort', () => resolve(), { once: true });
    limit.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await Promise.race([hungUpPromise(childLine), hungUpPromise(leg.line), stop]);
  clearTimeout(timer);
  const live = liveCalls(leg.ctx).get(child.sid);
  if (live && !isEnded(child)) live.hangup(signal.aborted ? 'the parent call moved on' : 'the bridge ended');
  else endCall(leg.ctx, child, 'completed');
  await live?.done;
}

async function dialOne(leg: Leg, target: Target, callerId: string, timeoutS: number, limitMs: number, signal: AbortSignal): Promise<CallRecord> {
  const { ctx } = leg;
  const child = buildCallRecord(ctx, { from: callerId, to: target.to, direction: 'outbound-dial', phoneNumberSid: leg.call.phone_number_sid as string | null, parentCallSid: leg.call.sid });
  ctx.store.put('call', child);
  addTimeline(leg.call, 'note', `dialling ${target.to} (${child.sid})`);
  setStatus(ctx, child, 'ringing');
  const far = farEndOrFault(ctx, child, target.to);
  if (far.kind === 'ring-out') {
    await sleep(scaled(leg, far.status === 'no-answer' ? timeoutS * 1000 : RING_MS), signal);
    endCall(ctx, child, far.status);
    return child;
  }
  await sleep(scaled(leg, RING_MS), signal);
  markAnswered(ctx, child);
  if (far.kind === 'number') {
    // The dialled number's app talks to our caller directly.
    startLeg(ctx, child, leg.line, { url: far.number.voice_url ?? `${ctx.baseUrl}/`, method: far.number.voice_method }, { keepLineOpen: true });
    const childLine = new Handset(target.to);
    liveCalls(ctx).get(child.sid)?.done.then(() => childLine.hangup());
    await bridgeUntilEnd(leg, child, childLine, limitMs, signal);
    return child;
  }
  const dialled = new Handset(target.to);
  watchHandset(child, dialled);
  const unjoin = bridgePeople(leg.line, dialled);
  if (far.script) void startScript(child, dialled, far.script, leg.scale);
  else setTimeout(() => dialled.hangup(), ctx.options.callTalkMs);
  try {
    await bridgeUntilEnd(leg, child, dialled, limitMs, signal);
  } finally {
    unjoin();
    dialled.hangup();
  }
  return child;
}

/** <Dial record="record-from-answer|...">: the bridge becomes a recording of the parent call (source DialVerb). */
function recordBridge(leg: Leg, el: XmlElement, child: CallRecord | undefined): void {
  const mode = el.attributes.record ?? 'do-not-record';
  if (mode === 'do-not-record' || mode === 'false' || !child?.start_time) return;
  const a = el.attributes;
  createRecording(leg.ctx, leg.call.sid, Number(child.duration ?? 0), {
    source: 'DialVerb',
    statusCallback: a.recordingStatusCallback ? resolveUrl(leg, a.recordingStatusCallback) : null,
    statusCallbackMethod: a.recordingStatusCallbackMethod,
    events: (a.recordingStatusCallbackEvent ?? '').split(/[\s,]+/).filter(Boolean),
    channels: mode.endsWith('-dual') ? 2 : 1,
  });
}

export async function runDial(leg: Leg, el: XmlElement, signal: AbortSignal): Promise<VerbOutcome> {
  const timeoutS = Number(el.attributes.timeout ?? 30);
  const limitMs = scaled(leg, Number(el.attributes.timeLimit ?? 14_400) * 1000);
  const callerId = el.attributes.callerId ?? leg.call.from;
  let last: CallRecord | undefined;
  try {
    for (const target of targetsOf(el)) {
      last = await dialOne(leg, target, callerId, timeoutS, limitMs, signal);
      if (last.start_time) break;
    }
  } catch (err) {
    if (!(err instanceof CallAborted)) throw err;
    if (last && !isEnded(last)) endCall(leg.ctx, last, 'canceled');
    throw err;
  }
  const status = last?.status ?? 'failed';
  addTimeline(leg.call, 'note', `Dial ended: ${status}`);
  recordBridge(leg, el, last);
  if (leg.line.hungUp) return 'hangup';
  if (!el.attributes.action) return undefined;
  const params: Record<string, string> = { DialCallStatus: status, DialBridged: String(Boolean(last?.start_time)) };
  if (last) Object.assign(params, { DialCallSid: last.sid, DialCallDuration: last.duration ?? '0' });
  return { url: resolveUrl(leg, el.attributes.action), method: el.attributes.method ?? 'POST', params, kind: 'dial-action' };
}
