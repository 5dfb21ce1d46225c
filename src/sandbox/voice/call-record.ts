/** The sandbox's call resource (Twilio's fields plus `_` bookkeeping) and the fields webhooks carry. */
import type { SandboxContext } from '../context.js';
import { API_VERSION, newSid, rfc2822 } from '../ids.js';
import type { TimelineEntry } from './timeline.js';

export type Direction = 'inbound' | 'outbound-api' | 'outbound-dial';

export interface CallRecord {
  sid: string;
  status: string;
  from: string;
  to: string;
  direction: Direction;
  duration: string | null;
  start_time: string | null;
  end_time: string | null;
  date_updated: string;
  answered_by: string | null;
  parent_call_sid: string | null;
  price: string | null;
  [key: string]: unknown;
  _url: string | null;
  _method: string;
  _twiml: string | null;
  _fallbackUrl: string | null;
  _fallbackMethod: string;
  _statusCallback: string | null;
  _statusCallbackMethod: string;
  _events: string[];
  _timeoutS: number;
  _timeLimitS: number;
  _record: boolean;
  _recordingStatusCallback: string | null;
  _recordingStatusCallbackEvents: string[];
  _machineDetection: string | null;
  _sendDigits: string | null;
  _documents: CallDocument[];
  _sequence: number;
  /** TwiML documents fetched through <Redirect>, capped (see twiml-limits.ts). */
  _redirects: number;
  _createdMs: number;
  _timeline: TimelineEntry[];
}

export interface CallDocument {
  url: string | null;
  twiml: string;
  at: string;
  /** The HTTP status of the fetch, when the TwiML came from a URL. */
  status?: number;
  error?: string;
}

export const ENDED = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

export interface NewCall {
  from: string;
  to: string;
  direction: Direction;
  phoneNumberSid: string | null;
  parentCallSid?: string | null;
  url?: string | null;
  method?: string;
  twiml?: string | null;
  fallbackUrl?: string | null;
  fallbackMethod?: string;
  statusCallback?: string | null;
  statusCallbackMethod?: string;
  events?: string[];
  timeoutS?: number;
  timeLimitS?: number;
  record?: boolean;
  recordingStatusCallback?: string | null;
  recordingStatusCallbackEvents?: string[];
  recordingStatusCallbackMethod?: string;
  recordingChannels?: 'mono' | 'dual';
  machineDetection?: string | null;
  sendDigits?: string | null;
}

export function buildCallRecord(ctx: SandboxContext, n: NewCall): CallRecord {
  const sid = newSid('CA');
  const now = new Date();
  return {
    account_sid: ctx.account.sid,
    annotation: null,
    answered_by: null,
    api_version: API_VERSION,
    caller_name: null,
    date_created: rfc2822(now),
    date_updated: rfc2822(now),
    direction: n.direction,
    duration: null,
    end_time: null,
    forwarded_from: null,
    from: n.from,
    from_formatted: n.from,
    group_sid: null,
    parent_call_sid: n.parentCallSid ?? null,
    phone_number_sid: n.phoneNumberSid,
    price: null,
    price_unit: 'USD',
    queue_time: '0',
    sid,
    start_time: null,
    status: 'queued',
    subresource_uris: {
      notifications: `${ctx.accountPath}/Calls/${sid}/Notifications.json`,
      recordings: `${ctx.accountPath}/Calls/${sid}/Recordings.json`,
    },
    to: n.to,
    to_formatted: n.to,
    trunk_sid: null,
    uri: `${ctx.accountPath}/Calls/${sid}.json`,
    _url: n.url ?? null,
    _method: n.method ?? 'POST',
    _twiml: n.twiml ?? null,
    _fallbackUrl: n.fallbackUrl ?? null,
    _fallbackMethod: n.fallbackMethod ?? 'POST',
    _statusCallback: n.statusCallback ?? null,
    _statusCallbackMethod: n.statusCallbackMethod ?? 'POST',
    _events: n.events?.length ? n.events : ['completed'],
    _timeoutS: n.timeoutS ?? 60,
    _timeLimitS: n.timeLimitS ?? 14_400,
    _record: n.record ?? false,
    _recordingStatusCallback: n.recordingStatusCallback ?? null,
    _recordingStatusCallbackEvents: n.recordingStatusCallbackEvents?.length ? n.recordingStatusCallbackEvents : ['completed'],
    _recordingStatusCallbackMethod: n.recordingStatusCallbackMethod ?? 'POST',
    _recordingChannels: n.recordingChannels ?? 'mono',
    _machineDetection: n.machineDetection ?? null,
    _sendDigits: n.sendDigits ?? null,
    _documents: [],
    _sequence: 0,
    _redirects: 0,
    _createdMs: now.getTime(),
    _timeline: [],
  };
}

function geography(prefix: 'From' | 'To', phone: string): Record<string, string> {
  const us = phone.startsWith('+1');
  return { [`${prefix}City`]: '', [`${prefix}State`]: '', [`${prefix}Zip`]: '', [`${prefix}Country`]: us ? 'US' : '' };
}

/** The fields every voice webhook of a call carries (Twilio's "request parameters"). */
export function callFields(ctx: SandboxContext, c: CallRecord): Record<string, string> {
  const fields: Record<string, string> = {
    AccountSid: ctx.account.sid,
    ApiVersion: API_VERSION,
    CallSid: c.sid,
    CallStatus: c.status,
    Called: c.to,
    Caller: c.from,
    Direction: c.direction,
    From: c.from,
    To: c.to,
    ...geography('From', c.from),
    ...geography('To', c.to),
    ...geography('Caller' as 'From', c.from),
    ...geography('Called' as 'To', c.to),
  };
  if (c.parent_call_sid) fields.ParentCallSid = c.parent_call_sid;
  if (c.answered_by) fields.AnsweredBy = c.answered_by;
  return fields;
}
