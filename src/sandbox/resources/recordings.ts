/** Recordings: list, fetch, delete, and media (.wav real 8 kHz audio, .mp3) behind the same auth. */
import { silentMp3, toneWav } from '../audio.js';
import type { SandboxContext } from '../context.js';
import { notFound, pageOf, publicView, type Router } from '../http.js';
import { API_VERSION, newSid, rfc2822 } from '../ids.js';

export interface RecordingRecord {
  sid: string;
  call_sid: string;
  duration: string;
  date_created: string;
  [key: string]: unknown;
}

export interface RecordingOrigin {
  /** Twilio's `source`: OutboundAPI (Record=true on a call), RecordVerb, DialVerb. @default OutboundAPI */
  source?: string;
  /** What the handset was scripted to say while recording (the emulated transcription's text). */
  spoken?: string[];
}

export function createRecording(ctx: SandboxContext, callSid: string, seconds: number, statusCallback: string | null, origin: RecordingOrigin = {}): RecordingRecord {
  const sid = newSid('RE');
  const now = rfc2822(new Date());
  const uri = `${ctx.accountPath}/Recordings/${sid}.json`;
  const r: RecordingRecord = {
    account_sid: ctx.account.sid,
    api_version: API_VERSION,
    call_sid: callSid,
    channels: 1,
    conference_sid: null,
    date_created: now,
    date_updated: now,
    duration: String(Math.max(1, seconds)),
    encryption_details: null,
    error_code: null,
    media_url: `${ctx.baseUrl}${ctx.accountPath}/Recordings/${sid}`,
    price: '-0.00250',
    price_unit: 'USD',
    sid,
    source: origin.source ?? 'OutboundAPI',
    start_time: now,
    status: 'completed',
    subresource_uris: { transcriptions: `${ctx.accountPath}/Recordings/${sid}/Transcriptions.json` },
    uri,
    _spoken: origin.spoken ?? [],
  };
  ctx.store.put('recording', r);
  if (statusCallback) {
    void ctx.webhooks.send({
      url: statusCallback,
      params: {
        AccountSid: ctx.account.sid,
        CallSid: callSid,
        RecordingSid: sid,
        RecordingUrl: `${ctx.baseUrl}${ctx.accountPath}/Recordings/${sid}`,
        RecordingStatus: 'completed',
        RecordingDuration: r.duration,
        RecordingChannels: '1',
        RecordingSource: origin.source ?? 'OutboundAPI',
        RecordingStartTime: now,
      },
      kind: 'recording-status',
      relatedSid: sid,
    });
  }
  return r;
}

export function registerRecordings(router: Router, ctx: SandboxContext): void {
  const list = (callScoped: boolean) => (req: Parameters<Parameters<Router['on']>[2]>[0]) => {
    const wanted = req.params.CallSid ?? req.query.get('CallSid');
    const day = req.query.get('DateCreated');
    const items = ctx.store
      .list<RecordingRecord>('recording')
      .filter((r) => (!wanted || r.call_sid === wanted) && (!day || new Date(r.date_created).toISOString().slice(0, 10) === day))
      .reverse()
      .map(publicView)
      // The call-scoped resource has a numeric price and a track, per Twilio's spec.
      .map((r) => (callScoped ? { ...r, price: Number(r.price), track: 'both' } : r));
    return pageOf(req, items, 'recordings');
  };
  const one = (sid: string, path: string) => {
    const r = ctx.store.get<RecordingRecord>('recording', sid);
    if (!r) throw notFound(path);
    return r;
  };
  router.on('GET', '/2010-04-01/Accounts/:AccountSid/Recordings.json', list(false));
  router.on('GET', '/2010-04-01/Accounts/:AccountSid/Calls/:CallSid/Recordings.json', list(true));
  router.on('GET', '/2010-04-01/Accounts/:AccountSid/Recordings/:Sid.json', (req) => ({ status: 200, json: publicView(one(req.params.Sid, req.path)) }));
  router.on('DELETE', '/2010-04-01/Accounts/:AccountSid/Recordings/:Sid.json', (req) => {
    one(req.params.Sid, req.path);
    ctx.store.delete('recording', req.params.Sid);
    return { status: 204 };
  });
  router.on('GET', '/2010-04-01/Accounts/:AccountSid/Recordings/:Sid.wav', (req) => ({ status: 200, contentType: 'audio/x-wav', body: toneWav(Number(one(req.params.Sid, req.path).duration)) }));
  router.on('GET', '/2010-04-01/Accounts/:AccountSid/Recordings/:Sid.mp3', (req) => ({ status: 200, contentType: 'audio/mpeg', body: silentMp3(Number(one(req.params.Sid, req.path).duration)) }));
  // Twilio answers the bare recording URL with WAV audio too.
  router.on('GET', '/2010-04-01/Accounts/:AccountSid/Recordings/:Sid', (req) => ({ status: 200, contentType: 'audio/x-wav', body: toneWav(Number(one(req.params.Sid, req.path).duration)) }));
}
