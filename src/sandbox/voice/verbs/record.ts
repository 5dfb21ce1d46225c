/**
 * <Record>: a beep, then the far end's speech until a finish key, `timeout` seconds of silence,
 * `maxLength`, or a hang-up. The recording becomes a Recording resource (status callbacks for
 * in-progress, completed, absent) and is POSTed to `action` (default: the current document) with
 * RecordingUrl, RecordingSid, RecordingDuration and Digits; with no audio at all Twilio skips the
 * action and goes on to the next verb. `transcribe` is emulated from what the handset was scripted to
 * say (see transcription.ts).
 */
import { finishRecording, startRecording } from '../../resources/recordings.js';
import { CallAborted } from '../clock.js';
import { type Leg, resolveUrl, scaled, type VerbOutcome } from '../leg.js';
import { addTimeline } from '../timeline.js';
import { transcribeFromScript } from '../transcription.js';
import type { XmlElement } from '../../xml.js';
import { playToLine } from './speak.js';

const BEEP_MS = 500;

interface Take {
  spoken: string[];
  digits: string;
  hungUp: boolean;
}

async function listen(leg: Leg, el: XmlElement, signal: AbortSignal): Promise<Take> {
  const finishKeys = el.attributes.finishOnKey ?? '1234567890*#';
  const silenceMs = Number(el.attributes.timeout ?? 5) * 1000;
  const deadline = Date.now() + scaled(leg, Number(el.attributes.maxLength ?? 3600) * 1000);
  const take: Take = { spoken: [], digits: '', hungUp: false };
  try {
    while (Date.now() < deadline) {
      const input = await leg.line.takeInput(Math.min(scaled(leg, silenceMs), deadline - Date.now()), signal);
      if (!input) break;
      if (input.kind === 'speech') take.spoken.push(input.text);
      else if ([...input.digits].some((k) => finishKeys.includes(k))) {
        take.digits = [...input.digits].find((k) => finishKeys.includes(k))!;
        break;
      }
    }
  } catch (err) {
    if (!(err instanceof CallAborted) || !leg.line.hungUp) throw err;
    take.hungUp = true;
  }
  return take;
}

export async function runRecord(leg: Leg, el: XmlElement, signal: AbortSignal): Promise<VerbOutcome> {
  if (el.attributes.playBeep !== 'false') await playToLine(leg, { kind: 'beep' }, BEEP_MS, signal);
  const a = el.attributes;
  const recording = startRecording(leg.ctx, leg.call.sid, {
    source: 'RecordVerb',
    statusCallback: a.recordingStatusCallback ? resolveUrl(leg, a.recordingStatusCallback) : null,
    statusCallbackMethod: a.recordingStatusCallbackMethod,
    events: (a.recordingStatusCallbackEvent ?? '').split(/[\s,]+/).filter(Boolean),
  });
  const started = Date.now();
  const take = await listen(leg, el, signal);
  if (take.spoken.length === 0) {
    finishRecording(leg.ctx, recording, 0, null);
    addTimeline(leg.call, 'note', 'Record heard no audio (recording absent); going on to the next verb');
    return take.hungUp ? 'hangup' : undefined;
  }
  const seconds = Math.max(1, Math.round((Date.now() - started) / leg.scale / 1000));
  finishRecording(leg.ctx, recording, seconds, take.spoken);
  addTimeline(leg.call, 'note', `recorded ${seconds} s as ${recording.sid}`, { recordingSid: recording.sid });
  if (a.transcribe === 'true' || a.transcribeCallback) transcribeFromScript(leg.ctx, recording, a.transcribeCallback ? resolveUrl(leg, a.transcribeCallback) : null);
  const url = a.action ? resolveUrl(leg, a.action) : leg.docUrl;
  if (!url) return take.hungUp ? 'hangup' : undefined;
  const params = { RecordingUrl: String(recording.media_url), RecordingSid: recording.sid, RecordingDuration: String(seconds), Digits: take.hungUp ? 'hangup' : take.digits };
  if (take.hungUp) {
    // The call is over; Twilio still tells the action URL about the recording and ignores its answer.
    void leg.ctx.webhooks.send({ url, method: a.method ?? 'POST', params: { ...params, CallSid: leg.call.sid, AccountSid: leg.ctx.account.sid, CallStatus: 'completed' }, kind: 'record-action', relatedSid: leg.call.sid });
    return 'hangup';
  }
  return { url, method: a.method ?? 'POST', params, kind: 'record-action' };
}
