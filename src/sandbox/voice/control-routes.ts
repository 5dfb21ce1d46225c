/**
 * The sandbox's voice endpoints under /sandbox/v1 (not Twilio's API): a handset calls one of the
 * numbers (optionally with a script), presses keys, speaks or hangs up on a live call; scripts are
 * bound to handset numbers for outbound calls; every call's timeline can be read.
 */
import type { SandboxContext } from '../context.js';
import { notFound, type Router, SandboxApiError } from '../http.js';
import { findOwnedNumber } from '../resources/numbers.js';
import type { CallRecord } from './call-record.js';
import { ringOwnNumber, startScript } from './connect.js';
import { bindScript, boundHandsets } from './handsets.js';
import { Handset } from './line.js';
import { liveCalls } from './live-calls.js';
import { type HandsetScript, parseScript, ScriptError } from './script.js';
import { streamWav } from './stream/stream-audio.js';

function scriptOf(text: string | null): HandsetScript | undefined {
  if (!text) return undefined;
  try {
    return parseScript(text);
  } catch (err) {
    if (err instanceof ScriptError) throw new SandboxApiError(400, 20001, `Script: ${err.message}`);
    throw err;
  }
}

export function timelineView(c: CallRecord) {
  return {
    callSid: c.sid,
    status: c.status,
    direction: c.direction,
    from: c.from,
    to: c.to,
    parentCallSid: c.parent_call_sid,
    duration: c.duration,
    answeredBy: c.answered_by,
    script: c._script ?? null,
    timeline: c._timeline,
  };
}

/** A handset calls one of the sandbox's numbers; its script (if any) starts at once. */
export function placeHandsetCall(ctx: SandboxContext, from: string, to: string, script?: HandsetScript): CallRecord {
  const number = findOwnedNumber(ctx, to);
  if (!number) throw new SandboxApiError(404, 20404, `${to} is not one of the sandbox account's numbers`);
  if (!/^\+[1-9]\d{7,14}$/.test(from)) throw new SandboxApiError(400, 21212, `The From number ${from} is not a valid phone number`);
  const handset = new Handset(from);
  const call = ringOwnNumber(ctx, { kind: 'number', number }, from, handset);
  if (script) void startScript(call, handset, script, ctx.options.voiceTimeScale);
  return call;
}

export function registerVoiceControl(router: Router, ctx: SandboxContext): void {
  const callOr404 = (sid: string, path: string) => {
    const c = ctx.store.get<CallRecord>('call', sid);
    if (!c) throw notFound(path);
    return c;
  };
  router.on('POST', '/sandbox/v1/calls', (req) => {
    const from = req.form.get('From');
    const to = req.form.get('To');
    if (!from || !to) throw new SandboxApiError(400, 21201, 'From (the handset) and To (a sandbox number) are required');
    const call = placeHandsetCall(ctx, from, to, scriptOf(req.form.get('Script')));
    return { status: 201, json: timelineView(call) };
  });
  router.on('GET', '/sandbox/v1/calls', () => ({ status: 200, json: { calls: ctx.store.list<CallRecord>('call').map(timelineView) } }));
  router.on('GET', '/sandbox/v1/calls/:Sid/timeline', (req) => ({ status: 200, json: timelineView(callOr404(req.params.Sid, req.path)) }));
  router.on('GET', '/sandbox/v1/calls/:Sid/audio.wav', (req) => {
    const wav = streamWav(callOr404(req.params.Sid, req.path).sid);
    if (!wav) throw new SandboxApiError(404, 20404, `Call ${req.params.Sid} had no media stream, so there is no audio to return`);
    return { status: 200, contentType: 'audio/x-wav', body: wav };
  });
  router.on('POST', '/sandbox/v1/calls/:Sid/handset', (req) => {
    const live = liveCalls(ctx).get(req.params.Sid);
    if (!live) throw new SandboxApiError(404, 20404, `Call ${req.params.Sid} is not live`);
    const f = req.form;
    if (f.get('Digits')) live.line.press(f.get('Digits')!);
    if (f.get('Speech')) live.line.speak(f.get('Speech')!);
    if (f.get('Hangup') === 'true') live.line.hangup();
    return { status: 200, json: timelineView(live.call) };
  });
  router.on('POST', '/sandbox/v1/handsets/:Phone/script', (req) => {
    if (req.form.get('Clear') === 'true') {
      bindScript(ctx, req.params.Phone, null);
      return { status: 200, json: { handset: req.params.Phone, steps: 0, answeredBy: null } };
    }
    const script = scriptOf(req.form.get('Script'));
    if (!script) throw new SandboxApiError(400, 20001, 'Script is required (JSON5 text)');
    bindScript(ctx, req.params.Phone, script);
    return { status: 200, json: { handset: req.params.Phone, steps: script.steps.length, answeredBy: script.answeredBy } };
  });
  router.on('GET', '/sandbox/v1/handsets', () => ({ status: 200, json: { scripted: boundHandsets(ctx) } }));
}
