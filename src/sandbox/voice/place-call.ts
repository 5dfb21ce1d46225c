/**
 * An outbound API call from queue to answer: it waits for the account's calls-per-second pace,
 * rings, and then either rings out (busy, no-answer after Timeout, failed) or is answered by its far
 * end, with AnsweredBy when machine detection was asked, SendDigits played, and its TwiML run.
 */
import type { SandboxContext } from '../context.js';
import { finishRecording, type RecordingRecord, startRecording } from '../resources/recordings.js';
import type { CallRecord } from './call-record.js';
import { endCall, isEnded, markAnswered, setStatus } from './call-status.js';
import { lineForAnsweredCall } from './connect.js';
import { type FarEnd, farEndOrFault, RING_MS } from './far-end.js';
import { startLeg } from './interpreter.js';
import type { DocSource } from './leg.js';
import type { Handset } from './line.js';
import { addTimeline } from './timeline.js';

export function queueOutboundCall(ctx: SandboxContext, c: CallRecord): void {
  ctx.callPacer.queueFor(ctx.account.sid, ctx.rates.cps ?? 1).push(c.sid);
}

/** Called by the CPS pacer when the call's turn comes. */
export function dispatchCall(ctx: SandboxContext, sid: string): void {
  const c = ctx.store.get<CallRecord>('call', sid);
  if (!c || isEnded(c)) return;
  c.queue_time = String(Date.now() - c._createdMs);
  const scale = ctx.options.voiceTimeScale;
  setStatus(ctx, c, 'initiated');
  ctx.later((RING_MS / 3) * scale, () => {
    if (isEnded(c)) return;
    setStatus(ctx, c, 'ringing');
    const far = farEndOrFault(ctx, c, c.to);
    if (far.kind === 'ring-out') {
      const status = far.status;
      ctx.later((status === 'no-answer' ? c._timeoutS * 1000 : RING_MS) * scale, () => endCall(ctx, c, status));
      return;
    }
    ctx.later(RING_MS * scale, () => !isEnded(c) && answer(ctx, c, far));
  });
}

function sendDigits(c: CallRecord, line: Handset): void {
  const digits = (c._sendDigits ?? '').replace(/w/gi, '');
  if (!digits) return;
  const heard = { kind: 'digits' as const, digits };
  line.startHearing(heard);
  line.endHearing(heard);
  addTimeline(c, 'heard', `[tones ${digits}] (SendDigits)`, { what: 'digits' });
}

function answer(ctx: SandboxContext, c: CallRecord, far: Exclude<FarEnd, { kind: 'ring-out' }>): void {
  if (c._machineDetection) c.answered_by = far.kind === 'handset' ? (far.script?.answeredBy ?? 'human') : 'human';
  markAnswered(ctx, c);
  const line = lineForAnsweredCall(ctx, c, far);
  sendDigits(c, line);
  const source: DocSource = c._twiml ? { twiml: c._twiml } : { url: c._url!, method: c._method, fallbackUrl: c._fallbackUrl, fallbackMethod: c._fallbackMethod };
  let recording: RecordingRecord | undefined;
  if (c._record) {
    recording = startRecording(ctx, c.sid, {
      source: 'OutboundAPI',
      statusCallback: c._recordingStatusCallback,
      statusCallbackMethod: c._recordingStatusCallbackMethod as string | undefined,
      events: c._recordingStatusCallbackEvents,
      channels: c._recordingChannels === 'dual' ? 2 : 1,
    });
  }
  startLeg(ctx, c, line, source, {
    onEnded(call) {
      if (recording) finishRecording(ctx, recording, Number(call.duration ?? 0), []);
    },
  });
}
