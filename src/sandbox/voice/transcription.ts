/**
 * Twilio's `<Record transcribe>`, emulated: the sandbox recognises no audio, so the transcription is
 * exactly what the handset was scripted to say while recording, and says so (`TranscriptionType:
 * sandbox-script` in the callback, `type` in the resource). Listed at Transcriptions.json and under
 * the recording.
 */
import type { SandboxContext } from '../context.js';
import { notFound, pageOf, publicView, type Router } from '../http.js';
import { API_VERSION, newSid, rfc2822 } from '../ids.js';
import type { RecordingRecord } from '../resources/recordings.js';

export interface TranscriptionRecord {
  sid: string;
  recording_sid: string;
  [key: string]: unknown;
}

export function transcribeFromScript(ctx: SandboxContext, recording: RecordingRecord, callbackUrl: string | null): TranscriptionRecord {
  const sid = newSid('TR');
  const now = rfc2822(new Date());
  const text = (recording._spoken as string[]).join(' ');
  const t: TranscriptionRecord = {
    account_sid: ctx.account.sid,
    api_version: API_VERSION,
    date_created: now,
    date_updated: now,
    duration: recording.duration,
    price: null,
    price_unit: 'USD',
    recording_sid: recording.sid,
    sid,
    status: 'completed',
    transcription_text: text,
    type: 'sandbox-script',
    uri: `${ctx.accountPath}/Transcriptions/${sid}.json`,
  };
  ctx.store.put('transcription', t);
  if (callbackUrl) {
    void ctx.webhooks.send({
      url: callbackUrl,
      params: {
        AccountSid: ctx.account.sid,
        CallSid: recording.call_sid,
        RecordingSid: recording.sid,
        RecordingUrl: String(recording.media_url),
        TranscriptionSid: sid,
        TranscriptionText: text,
        TranscriptionStatus: 'completed',
        TranscriptionUrl: `${ctx.baseUrl}${t.uri}`,
        TranscriptionType: 'sandbox-script',
      },
      kind: 'transcription',
      relatedSid: sid,
    });
  }
  return t;
}

export function registerTranscriptions(router: Router, ctx: SandboxContext): void {
  const list = (req: Parameters<Parameters<Router['on']>[2]>[0]) => {
    const recordingSid = req.params.RecordingSid;
    const items = ctx.store
      .list<TranscriptionRecord>('transcription')
      .filter((t) => !recordingSid || t.recording_sid === recordingSid)
      .reverse()
      .map(publicView);
    return pageOf(req, items, 'transcriptions');
  };
  router.on('GET', '/2010-04-01/Accounts/:AccountSid/Transcriptions.json', list);
  router.on('GET', '/2010-04-01/Accounts/:AccountSid/Recordings/:RecordingSid/Transcriptions.json', list);
  router.on('GET', '/2010-04-01/Accounts/:AccountSid/Transcriptions/:Sid.json', (req) => {
    const t = ctx.store.get<TranscriptionRecord>('transcription', req.params.Sid);
    if (!t) throw notFound(req.path);
    return { status: 200, json: publicView(t) };
  });
}
