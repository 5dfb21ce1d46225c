/**
 * Connecting a call to whoever answers its number (see far-end.ts), for REST calls and <Dial> alike:
 * the line the calling side talks to, started scripts, and bridged legs for the sandbox's own numbers.
 */
import type { SandboxContext } from '../context.js';
import { bridgeApps } from './bridge.js';
import { buildCallRecord, type CallRecord } from './call-record.js';
import { setStatus } from './call-status.js';
import type { FarEnd } from './far-end.js';
import { APPLICATION_ERROR_TEXT, startLeg } from './interpreter.js';
import { recordNotification } from '../notifications.js';
import { describeInput, Handset, type Input } from './line.js';
import { runScript, type ScriptResult } from './run-script.js';
import type { HandsetScript } from './script.js';
import { addTimeline } from './timeline.js';

/** Logs everything a handset does on the call's timeline, and the script's outcome. */
export function watchHandset(call: CallRecord, handset: Handset): void {
  handset.on('did', (input: Input) => addTimeline(call, 'did', describeInput(input), { input }));
}

export function startScript(call: CallRecord, handset: Handset, script: HandsetScript, scale: number): Promise<ScriptResult> {
  return runScript(handset, script, scale).then((result) => {
    call._script = result;
    addTimeline(call, 'note', result.ok ? 'the handset script completed' : `the handset script failed: ${result.failure}`, { script: result });
    return result;
  });
}

/**
 * A call from `from` arriving at one of the sandbox's numbers: an inbound call record that rings and
 * runs the number's VoiceUrl against `caller`. Returns the inbound call.
 */
export function ringOwnNumber(ctx: SandboxContext, far: Extract<FarEnd, { kind: 'number' }>, from: string, caller: Handset, parentCallSid?: string): CallRecord {
  const n = far.number;
  const call = buildCallRecord(ctx, {
    from,
    to: n.phone_number,
    direction: 'inbound',
    phoneNumberSid: n.sid,
    parentCallSid: parentCallSid ?? null,
    url: n.voice_url,
    method: n.voice_method,
    fallbackUrl: n.voice_fallback_url,
    fallbackMethod: n.voice_fallback_method,
    statusCallback: n.status_callback,
    statusCallbackMethod: n.status_callback_method,
    events: ['completed'],
  });
  ctx.store.put('call', call);
  watchHandset(call, caller);
  setStatus(ctx, call, 'ringing');
  if (!n.voice_url) {
    // Nothing to ask: the caller hears the application-error announcement, the product a notification.
    recordNotification(ctx, { code: 11200, message: `${n.phone_number} has no VoiceUrl: set one with IncomingPhoneNumbers update` }, { url: null, relatedSid: call.sid });
  }
  const source = n.voice_url
    ? { url: n.voice_url, method: n.voice_method, fallbackUrl: n.voice_fallback_url, fallbackMethod: n.voice_fallback_method }
    : { twiml: `<Response><Say>${APPLICATION_ERROR_TEXT}</Say></Response>` };
  startLeg(ctx, call, caller, source);
  return call;
}

/**
 * The line an answered outbound call talks to. For one of the sandbox's own numbers, a second leg
 * runs that number's app and the two apps hear each other.
 */
export function lineForAnsweredCall(ctx: SandboxContext, call: CallRecord, far: FarEnd): Handset {
  const line = new Handset(call.to);
  watchHandset(call, line);
  if (far.kind === 'number') {
    const theirCaller = new Handset(call.from);
    const unjoin = bridgeApps(line, theirCaller);
    const inbound = ringOwnNumber(ctx, far, call.from, theirCaller);
    addTimeline(call, 'note', `bridged to ${far.number.phone_number}, inbound call ${inbound.sid}`);
    line.once('hangup', unjoin);
  } else if (far.kind === 'handset' && far.script) {
    void startScript(call, line, far.script, ctx.options.voiceTimeScale);
  }
  return line;
}
