/**
 * Calls over REST (2010-04-01): create (To/From checks, Url or Twiml, callbacks, Timeout, TimeLimit,
 * Record, MachineDetection, SendDigits), list with filters and paging, fetch, update (redirect a live
 * call with Twiml or Url; Status=completed hangs up, canceled cancels a queued or ringing call) and
 * delete. Placing and running calls lives in ../voice/.
 */
import type { SandboxContext } from '../context.js';
import { type ApiRequest, notFound, pageOf, publicView, type Router, SandboxApiError } from '../http.js';
import { buildCallRecord, type CallRecord, ENDED } from '../voice/call-record.js';
import { endCall } from '../voice/call-status.js';
import { liveCalls } from '../voice/live-calls.js';
import { queueOutboundCall } from '../voice/place-call.js';
import { addTimeline } from '../voice/timeline.js';
import { findOwnedNumber } from './numbers.js';

export type { CallRecord } from '../voice/call-record.js';

const E164 = /^\+[1-9]\d{7,14}$/;
const EVENTS = ['initiated', 'ringing', 'answered', 'completed'];

function bad(code: number, message: string): SandboxApiError {
  return new SandboxApiError(400, code, message);
}

function httpUrl(f: URLSearchParams, key: string): string | null {
  const v = f.get(key);
  if (!v) return null;
  if (!/^https?:\/\/[^\s]+$/i.test(v)) throw bad(21205, `${key} is not a valid URL: ${v}`);
  return v;
}

function method(f: URLSearchParams, key: string): string {
  const v = (f.get(key) ?? 'POST').toUpperCase();
  if (v !== 'GET' && v !== 'POST') throw bad(21207, `${key} must be GET or POST, not ${f.get(key)}`);
  return v;
}

function seconds(f: URLSearchParams, key: string, dflt: number, max: number): number {
  const v = f.get(key);
  if (v === null || v === '') return dflt;
  if (!/^\d+$/.test(v)) throw bad(21216, `${key} must be a whole number of seconds, not ${v}`);
  return Math.min(Number(v), max);
}

function listOf(f: URLSearchParams, key: string, allowed: string[]): string[] {
  const values = f.getAll(key).flatMap((e) => e.split(/[\s,]+/)).filter(Boolean);
  const wrong = values.find((v) => !allowed.includes(v));
  if (wrong) throw bad(21626, `${key} "${wrong}" is not one of ${allowed.join(', ')}`);
  return values;
}

function createCall(ctx: SandboxContext, f: URLSearchParams): CallRecord {
  const to = f.get('To');
  const from = f.get('From');
  if (!to) throw bad(21201, 'No To number is specified');
  if (!E164.test(to) && !/^(client|sip):\S+$/.test(to)) throw bad(21211, `The 'To' number ${to} is not a valid phone number.`);
  if (!from) throw bad(21213, 'No From number is specified');
  if (!E164.test(from) && !/^client:\S+$/.test(from)) throw bad(21212, `The 'From' number ${from} is not a valid phone number, shortcode, or alphanumeric sender ID.`);
  const owned = findOwnedNumber(ctx, from);
  if (!owned) throw bad(21210, `The source phone number provided, ${from}, is not yet verified for your account. You may only make calls from phone numbers that you've verified or purchased from Twilio.`);
  const url = httpUrl(f, 'Url');
  const twiml = f.get('Twiml');
  if (f.get('ApplicationSid')) throw bad(21218, 'ApplicationSid: the sandbox has no Applications resource; pass Url or Twiml instead');
  if (!url && !twiml) throw bad(21205, 'Url parameter is required.');
  if (twiml && twiml.length > 4000) throw bad(32018, 'Twiml size exceeded maximum allowed value of 4000 characters');
  const amd = f.get('MachineDetection');
  if (amd && amd !== 'Enable' && amd !== 'DetectMessageEnd') throw bad(21626, `MachineDetection must be Enable or DetectMessageEnd, not ${amd}`);
  const digits = f.get('SendDigits');
  if (digits && !/^[0-9*#wW]+$/.test(digits)) throw bad(21626, `SendDigits may hold 0-9, *, # and w only, not ${digits}`);
  return buildCallRecord(ctx, {
    from,
    to,
    direction: 'outbound-api',
    phoneNumberSid: owned.sid,
    url,
    method: method(f, 'Method'),
    twiml,
    fallbackUrl: httpUrl(f, 'FallbackUrl'),
    fallbackMethod: method(f, 'FallbackMethod'),
    statusCallback: httpUrl(f, 'StatusCallback'),
    statusCallbackMethod: method(f, 'StatusCallbackMethod'),
    events: listOf(f, 'StatusCallbackEvent', EVENTS),
    timeoutS: seconds(f, 'Timeout', 60, 600),
    timeLimitS: seconds(f, 'TimeLimit', 14_400, 86_400),
    record: f.get('Record') === 'true',
    recordingStatusCallback: httpUrl(f, 'RecordingStatusCallback'),
    recordingStatusCallbackEvents: listOf(f, 'RecordingStatusCallbackEvent', ['in-progress', 'completed', 'absent']),
    recordingStatusCallbackMethod: method(f, 'RecordingStatusCallbackMethod'),
    recordingChannels: f.get('RecordingChannels') === 'dual' ? 'dual' : 'mono',
    machineDetection: amd,
    sendDigits: digits,
  });
}

/** `StartTime`, `StartTime>` (on or after) and `StartTime<` (on or before), by day or instant, as Twilio filters. */
function timeFilter(q: URLSearchParams, key: 'StartTime' | 'EndTime'): (value: string | null) => boolean {
  const day = (s: string) => new Date(Date.parse(s)).toISOString().slice(0, 10);
  const exact = q.get(key);
  const after = q.get(`${key}>`);
  const before = q.get(`${key}<`);
  for (const v of [exact, after, before]) if (v && Number.isNaN(Date.parse(v))) throw bad(20001, `${key} ${v} is not a date: use YYYY-MM-DD`);
  return (value) => {
    if (!exact && !after && !before) return true;
    if (!value) return false;
    const t = Date.parse(value);
    if (exact && day(value) !== day(exact)) return false;
    if (after && t < Date.parse(after)) return false;
    if (before && (/^\d{4}-\d{2}-\d{2}$/.test(before) ? day(value) > before : t > Date.parse(before))) return false;
    return true;
  };
}

function listCalls(ctx: SandboxContext, req: ApiRequest) {
  const q = req.query;
  const started = timeFilter(q, 'StartTime');
  const ended = timeFilter(q, 'EndTime');
  const same = (key: string, value: unknown) => !q.get(key) || q.get(key) === value;
  const items = ctx.store
    .list<CallRecord>('call')
    .filter((c) => same('To', c.to) && same('From', c.from) && same('Status', c.status) && same('ParentCallSid', c.parent_call_sid) && started(c.start_time) && ended(c.end_time))
    .reverse()
    .map(publicView);
  return pageOf(req, items, 'calls');
}

function updateCall(ctx: SandboxContext, c: CallRecord, f: URLSearchParams): void {
  const status = f.get('Status');
  const twiml = f.get('Twiml');
  const url = httpUrl(f, 'Url');
  if (status && status !== 'completed' && status !== 'canceled') throw bad(21218, `Status ${status} is not valid: use completed or canceled`);
  if (f.get('StatusCallback')) c._statusCallback = httpUrl(f, 'StatusCallback');
  if (f.get('StatusCallbackMethod')) c._statusCallbackMethod = method(f, 'StatusCallbackMethod');
  if (f.get('FallbackUrl')) c._fallbackUrl = httpUrl(f, 'FallbackUrl');
  const live = liveCalls(ctx).get(c.sid);
  if (status) {
    if (ENDED.has(c.status)) throw new SandboxApiError(404, 20404, `Call ${c.sid} has already ended`);
    // completed hangs up an answered call; canceled (or completed) stops one still queued or ringing.
    if (c.status === 'in-progress' && status === 'canceled') return;
    addTimeline(c, 'note', `REST update: Status=${status}`);
    if (live) live.hangup(`REST update Status=${status}`);
    else endCall(ctx, c, c.status === 'in-progress' ? 'completed' : 'canceled');
    return;
  }
  if (!twiml && !url) return;
  if (c.status !== 'in-progress' || !live) throw bad(21220, 'Call is not in-progress. Cannot redirect.');
  addTimeline(c, 'note', `REST update: redirect to ${twiml ? 'new Twiml' : url}`);
  live.redirectTo = twiml ? { twiml } : { url: url!, method: method(f, 'Method'), fallbackUrl: c._fallbackUrl, fallbackMethod: c._fallbackMethod };
  live.current.abort('redirect');
}

export function registerCalls(router: Router, ctx: SandboxContext): void {
  const base = '/2010-04-01/Accounts/:AccountSid/Calls';
  const callOr404 = (req: ApiRequest) => {
    const c = ctx.store.get<CallRecord>('call', req.params.Sid);
    if (!c) throw notFound(req.path);
    return c;
  };
  router.on('POST', `${base}.json`, (req) => {
    const c = ctx.store.put('call', createCall(ctx, req.form));
    addTimeline(c, 'status', 'queued');
    queueOutboundCall(ctx, c);
    return { status: 201, json: publicView(c) };
  });
  router.on('GET', `${base}.json`, (req) => listCalls(ctx, req));
  router.on('GET', `${base}/:Sid.json`, (req) => ({ status: 200, json: publicView(callOr404(req)) }));
  router.on('POST', `${base}/:Sid.json`, (req) => {
    const c = callOr404(req);
    updateCall(ctx, c, req.form);
    ctx.store.put('call', c);
    return { status: 200, json: publicView(c) };
  });
  router.on('DELETE', `${base}/:Sid.json`, (req) => {
    const c = callOr404(req);
    if (!ENDED.has(c.status)) throw new SandboxApiError(409, 20009, 'Cannot delete a call that is still in progress.');
    ctx.store.delete('call', c.sid);
    return { status: 204 };
  });
}
