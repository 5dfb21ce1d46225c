/**
 * Recordings: list, fetch, delete, and media behind the same auth: `.wav` (8 kHz 16-bit, the call's
 * audio as the sandbox has it, see voice/recording-audio.ts); `.mp3` is refused with a clear error, as
 * the sandbox ships no MP3 encoder. Status callbacks for in-progress, completed and absent.
 */
import type { SandboxContext } from '../context.js';
import { type ApiRequest, type ApiResponse, notFound, pageOf, publicView, type Router, SandboxApiError } from '../http.js';
import { recordingWav } from '../voice/recording-audio.js';
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
  statusCallback?: string | null;
  statusCallbackMethod?: string;
  /** RecordingStatusCallbackEvent: in-progress, completed, absent. @default ['completed'] */
  events?: string[];
  /** 1 or 2 (dual: caller and app apart). @default 1 */
  channels?: number;
}

function recordingCallback(ctx: SandboxContext, r: RecordingRecord): void {
  const url = r._statusCallback as string | null;
  if (!url || !(r._events as string[]).includes(r.status as string)) return;
  void ctx.webhooks.send({
    url,
    method: (r._statusCallbackMethod as string) ?? 'POST',
    params: {
      AccountSid: ctx.account.sid,
      CallSid: r.call_sid,
      RecordingSid: r.sid,
      RecordingUrl: String(r.media_url),
      RecordingStatus: String(r.status),
      RecordingDuration: r.status === 'completed' ? r.duration : '0',
      RecordingChannels: String(r.channels),
      RecordingSource: String(r.source),
      RecordingStartTime: String(r.start_time),
      ...(r.status === 'absent' ? { ErrorCode: '0' } : {}),
    },
    kind: 'recording-status',
    relatedSid: r.sid,
  });
}

/** A recording that has started (status in-progress, its callback if subscribed). */
export function startRecording(ctx: SandboxContext, callSid: string, origin: RecordingOrigin = {}): RecordingRecord {
  const sid = newSid('RE');
  const now = rfc2822(new Date());
  const r: RecordingRecord = {
    account_sid: ctx.account.sid,
    api_version: API_VERSION,
    call_sid: callSid,
    channels: origin.channels ?? 1,
    conference_sid: null,
    date_created: now,
    date_updated: now,
    duration: '0',
    encryption_details: null,
    error_code: null,
    media_url: `${ctx.baseUrl}${ctx.accountPath}/Recordings/${sid}`,
    price: null,
    price_unit: 'USD',
    sid,
    source: origin.source ?? 'OutboundAPI',
    start_time: now,
    status: 'in-progress',
    subresource_uris: { transcriptions: `${ctx.accountPath}/Recordings/${sid}/Transcriptions.json` },
    uri: `${ctx.accountPath}/Recordings/${sid}.json`,
    _spoken: [],
    _statusCallback: origin.statusCallback ?? null,
    _statusCallbackMethod: origin.statusCallbackMethod ?? 'POST',
    _events: origin.events?.length ? origin.events : ['completed'],
  };
  ctx.store.put('recording', r);
  recordingCallback(ctx, r);
  return r;
}

/** Ends a recording: completed with its length and what the handset said, or absent when nothing was heard. */
export function finishRecording(ctx: SandboxContext, r: RecordingRecord, seconds: number, spoken: string[] | null): RecordingRecord {
  r.date_updated = rfc2822(new Date());
  if (spoken === null) {
    r.status = 'absent';
  } else {
    r.status = 'completed';
    r.duration = String(Math.max(1, Math.round(seconds)));
    r.price = '-0.00250';
    r._spoken = spoken;
  }
  ctx.store.put('recording', r);
  recordingCallback(ctx, r);
  return r;
}

/** A whole recording at once (Record=true on a call, <Dial record>): started and finished. */
export function createRecording(ctx: SandboxContext, callSid: string, seconds: number, origin: RecordingOrigin = {}): RecordingRecord {
  return finishRecording(ctx, startRecording(ctx, callSid, origin), seconds, []);
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
  const wav = async (req: ApiRequest): Promise<ApiResponse> => ({ status: 200, contentType: 'audio/x-wav', body: await recordingWav(ctx, one(req.params.Sid, req.path)) });
  router.on('GET', '/2010-04-01/Accounts/:AccountSid/Recordings/:Sid.wav', wav);
  router.on('GET', '/2010-04-01/Accounts/:AccountSid/Recordings/:Sid.mp3', (req) => {
    one(req.params.Sid, req.path);
    throw new SandboxApiError(501, 20501, 'The sandbox has no MP3 encoder, so it cannot serve .mp3: fetch the same recording as .wav (or with no extension)');
  });
  // Twilio answers the bare recording URL with WAV audio too.
  router.on('GET', '/2010-04-01/Accounts/:AccountSid/Recordings/:Sid', wav);
}
