/**
 * Calls: create, list, fetch, update (hang up, redirect with Twiml or Url) and delete. A call goes
 * queued, ringing, in-progress, completed with signed status callbacks for the events asked for; when
 * answered it fetches its TwiML from Url with a signed request and keeps what it got (the sandbox
 * lists it at /sandbox/v1/calls/{sid}/documents). Carrying out that TwiML comes with the voice work.
 */
import type { SandboxContext } from '../context.js';
import { notFound, pageOf, publicView, type Router, SandboxApiError } from '../http.js';
import { API_VERSION, newSid, rfc2822 } from '../ids.js';
import { parseXml, elementsOf, textOf } from '../xml.js';
import { findOwnedNumber } from './numbers.js';
import { createRecording } from './recordings.js';
import { recordNotification } from '../notifications.js';
import { MAX_TWIML_DOCUMENTS, VOICE_REDIRECT_LIMIT } from '../twiml-limits.js';

export interface CallDocument {
  url: string | null;
  twiml: string;
  at: string;
  /** The HTTP status of the fetch, when the TwiML came from a URL. */
  status?: number;
  error?: string;
}

export interface CallRecord {
  sid: string;
  status: string;
  from: string;
  to: string;
  duration: string | null;
  start_time: string | null;
  end_time: string | null;
  date_updated: string;
  [key: string]: unknown;
  _url: string | null;
  _method: string;
  _twiml: string | null;
  _fallbackUrl: string | null;
  _statusCallback: string | null;
  _statusCallbackMethod: string;
  _events: string[];
  _record: boolean;
  _recordingStatusCallback: string | null;
  _documents: CallDocument[];
  _sequence: number;
  /** TwiML documents fetched through <Redirect>, capped (see twiml-limits.ts). */
  _redirects: number;
  /** Bumped on every state change, so timers of an earlier state do nothing. */
  _generation: number;
}

const ENDED = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);
/** Sandbox handsets that do not answer. */
const UNANSWERED: Record<string, string> = { '+15559999001': 'no-answer', '+15559999002': 'failed', '+15559999003': 'busy' };
const RING_MS = 150;

function callParams(ctx: SandboxContext, c: CallRecord): Record<string, string> {
  const p: Record<string, string> = {
    AccountSid: ctx.account.sid,
    ApiVersion: API_VERSION,
    CallSid: c.sid,
    CallStatus: c.status,
    Called: c.to,
    Caller: c.from,
    Direction: 'outbound-api',
    From: c.from,
    To: c.to,
    CallbackSource: 'call-progress-events',
    Timestamp: rfc2822(new Date()),
    SequenceNumber: String(c._sequence),
  };
  if (c.duration !== null) p.CallDuration = c.duration;
  return p;
}

function transition(ctx: SandboxContext, c: CallRecord, status: string, event: string): void {
  c.status = status;
  c._generation++;
  c.date_updated = rfc2822(new Date());
  ctx.store.put('call', c);
  if (c._statusCallback && c._events.includes(event)) {
    const params = callParams(ctx, c);
    c._sequence++;
    void ctx.webhooks.send({ url: c._statusCallback, method: c._statusCallbackMethod, params, kind: 'call-status', relatedSid: c.sid });
  }
}

function end(ctx: SandboxContext, c: CallRecord, status: string): void {
  if (ENDED.has(c.status)) return;
  const now = new Date();
  c.end_time = rfc2822(now);
  c.duration = c.start_time ? String(Math.max(1, Math.round((now.getTime() - Date.parse(c.start_time)) / 1000))) : '0';
  transition(ctx, c, status, 'completed');
  if (c._record && status === 'completed') createRecording(ctx, c.sid, Number(c.duration), c._recordingStatusCallback);
}

/** Gets TwiML for the call (inline, or from its URL, signed) and keeps it; ends the call on <Hangup>. */
async function fetchDocument(ctx: SandboxContext, c: CallRecord): Promise<void> {
  const generation = c._generation;
  let doc: CallDocument;
  if (c._twiml) {
    doc = { url: null, twiml: c._twiml, at: new Date().toISOString() };
  } else {
    const delivery = await ctx.webhooks.send({ url: c._url!, method: c._method, params: callParams(ctx, c), fallbackUrl: c._fallbackUrl, kind: 'voice', relatedSid: c.sid });
    doc = { url: c._url, twiml: delivery.body ?? '', at: new Date().toISOString(), status: delivery.status, error: delivery.ok ? undefined : (delivery.attempts.at(-1)?.error ?? `HTTP ${delivery.status}`) };
  }
  c._documents.push(doc);
  ctx.store.put('call', c);
  if (c._generation !== generation || ENDED.has(c.status)) return;
  let hangup = !doc.twiml.trim() || doc.error !== undefined;
  try {
    const root = parseXml(doc.twiml);
    const verbs = elementsOf(root);
    const redirect = verbs.find((v) => v.name === 'Redirect');
    if (redirect && !c._twiml) {
      if (++c._redirects > MAX_TWIML_DOCUMENTS) {
        recordNotification(ctx, VOICE_REDIRECT_LIMIT, { url: c._url, relatedSid: c.sid });
        return end(ctx, c, 'completed');
      }
      c._url = new URL(textOf(redirect), c._url!).toString();
      return fetchDocument(ctx, c);
    }
    hangup = hangup || verbs.some((v) => v.name === 'Hangup' || v.name === 'Reject');
  } catch {
    hangup = true; // Twilio ends a call whose TwiML it cannot read (error 12100)
  }
  if (hangup) end(ctx, c, 'completed');
  else ctx.later(ctx.options.callTalkMs, () => c._generation === generation && end(ctx, c, 'completed'));
}

function progress(ctx: SandboxContext, c: CallRecord): void {
  transition(ctx, c, 'queued', 'initiated');
  const g1 = c._generation;
  ctx.later(RING_MS / 3, () => {
    if (c._generation !== g1) return;
    transition(ctx, c, 'ringing', 'ringing');
    const g2 = c._generation;
    ctx.later(RING_MS, () => {
      if (c._generation !== g2) return;
      const unanswered = UNANSWERED[c.to];
      if (unanswered) return end(ctx, c, unanswered);
      c.start_time = rfc2822(new Date());
      transition(ctx, c, 'in-progress', 'answered');
      void fetchDocument(ctx, c);
    });
  });
}

function callOr404(ctx: SandboxContext, sid: string, path: string): CallRecord {
  const c = ctx.store.get<CallRecord>('call', sid);
  if (!c) throw notFound(path);
  return c;
}

export function registerCalls(router: Router, ctx: SandboxContext): void {
  const base = '/2010-04-01/Accounts/:AccountSid/Calls';
  router.on('POST', `${base}.json`, (req) => {
    const f = req.form;
    const to = f.get('To');
    const from = f.get('From');
    if (!to) throw new SandboxApiError(400, 21201, 'No To number is specified');
    if (!/^\+[1-9]\d{7,14}$/.test(to) && !/^(client|sip):/.test(to)) throw new SandboxApiError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (!from) throw new SandboxApiError(400, 21213, 'No From number is specified');
    if (!findOwnedNumber(ctx, from)) throw new SandboxApiError(400, 21210, `The source phone number provided, ${from}, is not yet verified for your account.`);
    const url = f.get('Url');
    const twiml = f.get('Twiml');
    if (!url && !twiml) throw new SandboxApiError(400, 21205, 'Url parameter is required.');
    if (url && !/^https?:\/\//.test(url)) throw new SandboxApiError(400, 21205, `Url is not a valid URL: ${url}`);
    const sid = newSid('CA');
    const now = rfc2822(new Date());
    const events = f.getAll('StatusCallbackEvent').flatMap((e) => e.split(/[\s,]+/)).filter(Boolean);
    const c: CallRecord = {
      account_sid: ctx.account.sid,
      annotation: null,
      answered_by: null,
      api_version: API_VERSION,
      caller_name: null,
      date_created: now,
      date_updated: now,
      direction: 'outbound-api',
      duration: null,
      end_time: null,
      forwarded_from: null,
      from,
      from_formatted: from,
      group_sid: null,
      parent_call_sid: null,
      phone_number_sid: findOwnedNumber(ctx, from)!.sid,
      price: null,
      price_unit: 'USD',
      queue_time: '0',
      sid,
      start_time: null,
      status: 'queued',
      subresource_uris: { recordings: `${ctx.accountPath}/Calls/${sid}/Recordings.json` },
      to,
      to_formatted: to,
      trunk_sid: null,
      uri: `${ctx.accountPath}/Calls/${sid}.json`,
      _url: url,
      _method: f.get('Method') ?? 'POST',
      _twiml: twiml,
      _fallbackUrl: f.get('FallbackUrl'),
      _statusCallback: f.get('StatusCallback'),
      _statusCallbackMethod: f.get('StatusCallbackMethod') ?? 'POST',
      _events: events.length ? events : ['completed'],
      _record: f.get('Record') === 'true',
      _recordingStatusCallback: f.get('RecordingStatusCallback'),
      _documents: [],
      _sequence: 0,
      _redirects: 0,
      _generation: 0,
    };
    ctx.store.put('call', c);
    progress(ctx, c);
    return { status: 201, json: publicView(c) };
  });
  router.on('GET', `${base}.json`, (req) => {
    const q = req.query;
    const items = ctx.store
      .list<CallRecord>('call')
      .filter((c) => (!q.get('To') || c.to === q.get('To')) && (!q.get('From') || c.from === q.get('From')) && (!q.get('Status') || c.status === q.get('Status')))
      .reverse()
      .map(publicView);
    return pageOf(req, items, 'calls');
  });
  router.on('GET', `${base}/:Sid.json`, (req) => ({ status: 200, json: publicView(callOr404(ctx, req.params.Sid, req.path)) }));
  router.on('POST', `${base}/:Sid.json`, (req) => {
    const c = callOr404(ctx, req.params.Sid, req.path);
    const status = req.form.get('Status');
    const twiml = req.form.get('Twiml');
    const url = req.form.get('Url');
    if (status === 'completed' || status === 'canceled') {
      if (ENDED.has(c.status)) throw new SandboxApiError(404, 20404, `Call ${c.sid} has already ended`);
      end(ctx, c, c.status === 'in-progress' ? 'completed' : 'canceled');
    } else if (twiml || url) {
      if (c.status !== 'in-progress') throw new SandboxApiError(400, 21220, 'Call is not in-progress. Cannot redirect.');
      c._twiml = twiml;
      if (url) c._url = url;
      c._generation++;
      void fetchDocument(ctx, c);
    } else if (status) {
      throw new SandboxApiError(400, 21218, `Status ${status} is not valid: use completed or canceled`);
    }
    return { status: 200, json: publicView(c) };
  });
  router.on('DELETE', `${base}/:Sid.json`, (req) => {
    const c = callOr404(ctx, req.params.Sid, req.path);
    if (!ENDED.has(c.status)) throw new SandboxApiError(409, 20009, 'Cannot delete a call that is still in progress.');
    ctx.store.delete('call', c.sid);
    return { status: 204 };
  });
}
