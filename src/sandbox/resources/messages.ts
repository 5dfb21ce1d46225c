/**
 * Messages: create (queued, paced per sender, then sending, sent, delivered with signed status
 * callbacks), list with Twilio's filters, fetch and delete. Delivery goes to the handset's inbox, or,
 * when the recipient is one of the account's own numbers, arrives there as an inbound text.
 */
import type { SandboxContext } from '../context.js';
import { drawMessageFault, MESSAGE_FAULTS } from '../faults.js';
import { notFound, pageOf, publicView, type Router, SandboxApiError } from '../http.js';
import { API_VERSION, newSid, rfc2822 } from '../ids.js';
import { analyzeSegments } from '../../messaging/segments.js';
import { numberKindOf } from '../../twilio/sender-kinds.js';
import { listedMessages, messageListFilter } from './message-list.js';
import { findOwnedNumber, type NumberRecord } from './numbers.js';
import { isMediaUrl } from '../../messaging/media-url.js';
import { fetchMessageMedia, type FetchedMedia } from './outbound-media-fetch.js';

export interface MessageRecord {
  sid: string;
  account_sid: string;
  body: string;
  direction: 'inbound' | 'outbound-api' | 'outbound-reply';
  from: string | null;
  to: string;
  status: string;
  num_segments: string;
  num_media: string;
  messaging_service_sid: string | null;
  date_created: string;
  date_updated: string;
  date_sent: string | null;
  price: string | null;
  error_code: number | null;
  error_message: string | null;
  [key: string]: unknown;
  _media: string[];
  /** What the sandbox fetched from each MediaUrl, as Twilio does before sending. */
  _fetchedMedia?: FetchedMedia[];
  _statusCallback?: string | null;
  _statusCallbackMethod?: string | null;
  /** An injected Twilio error code this message fails with at delivery (see faults.ts). */
  _faultCode?: number;
  /** When the API accepted it, in epoch ms (records made before this field have none). */
  _createdAtMs?: number;
}

export interface OutboundInput {
  to: string | null;
  from?: string | null;
  messagingServiceSid?: string | null;
  body?: string | null;
  media: string[];
  statusCallback?: string | null;
  statusCallbackMethod?: string | null;
  direction?: 'outbound-api' | 'outbound-reply';
}

const E164_OR_SHORT = /^(\+[1-9]\d{7,14}|\d{5,6})$/;
export const PRICE_PER_SEGMENT = 0.0079;
export const PRICE_PER_MMS = 0.02;

/** Twilio's magic test numbers: a send to them fails at once with their documented error. */
const MAGIC_TO: Record<string, [number, string]> = {
  '+15005550001': [21211, "The 'To' number +15005550001 is not a valid phone number."],
  '+15005550002': [21612, "The 'To' phone number +15005550002 is not currently reachable via SMS."],
  '+15005550003': [21408, 'Permission to send an SMS has not been enabled for the region indicated by the To number.'],
  '+15005550004': [21610, 'Attempt to send to unsubscribed recipient'],
  '+15005550009': [21614, "'To' number +15005550009 is not a valid mobile number"],
};
/** Sandbox handsets that never receive: accepted, then undelivered or failed, as a dead phone would be. */
export const FAILING_HANDSETS: Record<string, [string, number, string]> = {
  '+15559999001': ['undelivered', 30003, 'Unreachable destination handset'],
  '+15559999002': ['failed', 30008, 'Unknown error'],
};

export function optoutKey(handset: string, number: string): string {
  return `${handset}>${number}`;
}

// The product's own counter: the sandbox bills what `send --dry-run` predicts.
const segmentsOf = (body: string) => analyzeSegments(body).segments;

export function messageStatusParams(ctx: SandboxContext, m: MessageRecord): Record<string, string> {
  const p: Record<string, string> = {
    AccountSid: ctx.account.sid,
    ApiVersion: API_VERSION,
    From: m.from ?? '',
    MessageSid: m.sid,
    MessageStatus: m.status,
    SmsSid: m.sid,
    SmsStatus: m.status,
    To: m.to,
  };
  if (m.messaging_service_sid) p.MessagingServiceSid = m.messaging_service_sid;
  if (m.error_code) p.ErrorCode = String(m.error_code);
  return p;
}

function setStatus(ctx: SandboxContext, m: MessageRecord, status: string): void {
  m.status = status;
  m.date_updated = rfc2822(new Date());
  ctx.store.put('message', m);
  postStatus(ctx, m);
}

/** Posts the message's current status to its StatusCallback. Like Twilio's, these may arrive out of order. */
function postStatus(ctx: SandboxContext, m: MessageRecord): void {
  if (m._statusCallback) {
    void ctx.webhooks.send({ url: m._statusCallback, method: m._statusCallbackMethod ?? 'POST', params: messageStatusParams(ctx, m), kind: 'message-status', relatedSid: m.sid });
  }
}

function poolOf(ctx: SandboxContext): NumberRecord[] {
  return ctx.store.list<NumberRecord>('number');
}

function senderRate(ctx: SandboxContext, m: MessageRecord): number {
  if (m.messaging_service_sid) return ctx.rates.service ?? Math.max(1, poolOf(ctx).reduce((n, num) => n + ctx.rates[numberKindOf(num.phone_number)], 0));
  return ctx.rates[numberKindOf(m.from!)];
}

/** Puts a message in its sender's queue. */
export function enqueue(ctx: SandboxContext, m: MessageRecord): void {
  ctx.pacer.queueFor(m.messaging_service_sid ?? m.from!, senderRate(ctx, m)).push(m.sid);
}

// Where each sandbox's Messaging Service is in its pool.
const poolPosition = new WeakMap<SandboxContext, number>();

/** The pacer's dispatch: the message leaves its queue now. */
export function dispatchMessage(ctx: SandboxContext, sid: string, deliverInbound: (m: MessageRecord) => void): void {
  const m = ctx.store.get<MessageRecord>('message', sid);
  if (!m || !['queued', 'accepted'].includes(m.status)) return;
  if (!m.from) {
    const pool = poolOf(ctx);
    const position = poolPosition.get(ctx) ?? 0;
    poolPosition.set(ctx, position + 1);
    m.from = pool[position % pool.length]?.phone_number ?? null;
  }
  if (m.status === 'accepted') setStatus(ctx, m, 'queued');
  // Twilio fetches the media when the message leaves its queue, and fails it when it cannot.
  if (m._media.length && !m._fetchedMedia) void fetchThenSend(ctx, m, deliverInbound);
  else sendNow(ctx, m, deliverInbound);
}

async function fetchThenSend(ctx: SandboxContext, m: MessageRecord, deliverInbound: (m: MessageRecord) => void): Promise<void> {
  const outcome = await fetchMessageMedia(m._media, ctx.stopping);
  if (ctx.stopping.aborted) return;
  if (!outcome.ok) {
    m.error_code = outcome.code;
    m.error_message = outcome.message;
    setStatus(ctx, m, 'failed');
    return;
  }
  m._fetchedMedia = outcome.media;
  sendNow(ctx, m, deliverInbound);
}

function sendNow(ctx: SandboxContext, m: MessageRecord, deliverInbound: (m: MessageRecord) => void): void {
  m.date_sent = rfc2822(new Date());
  setStatus(ctx, m, 'sending');
  const segments = Number(m.num_segments);
  m.price = (-(m._media.length ? PRICE_PER_MMS : PRICE_PER_SEGMENT * segments)).toFixed(5);
  setStatus(ctx, m, 'sent');
  ctx.later(ctx.options.deliveryDelayMs, () => {
    const failing = m._faultCode ? [MESSAGE_FAULTS[m._faultCode].status ?? 'failed', m._faultCode, MESSAGE_FAULTS[m._faultCode].message] as const : FAILING_HANDSETS[m.to];
    if (failing) {
      m.error_code = failing[1];
      m.error_message = failing[2];
      setStatus(ctx, m, failing[0]);
      return;
    }
    setStatus(ctx, m, 'delivered');
    if (findOwnedNumber(ctx, m.to)) deliverInbound(m);
  });
}

/** Validates like Twilio and creates a queued outbound message. */
export function createOutboundMessage(ctx: SandboxContext, input: OutboundInput): MessageRecord {
  const to = input.to?.trim();
  if (!to) throw new SandboxApiError(400, 21604, "A 'To' phone number is required.");
  const magic = MAGIC_TO[to];
  if (magic) throw new SandboxApiError(400, magic[0], magic[1]);
  if (!E164_OR_SHORT.test(to)) throw new SandboxApiError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
  let from: string | null = null;
  if (input.messagingServiceSid) {
    if (input.messagingServiceSid !== ctx.account.messagingServiceSid) throw new SandboxApiError(400, 21701, `The Messaging Service Sid ${input.messagingServiceSid} is invalid.`);
  } else {
    from = input.from?.trim() || null;
    if (!from) throw new SandboxApiError(400, 21603, "A 'From' phone number is required.");
    if (!findOwnedNumber(ctx, from)) throw new SandboxApiError(400, 21606, `The From phone number ${from} is not a valid, SMS-capable inbound phone number or short code for your account.`);
  }
  const body = input.body ?? '';
  if (!body && input.media.length === 0) throw new SandboxApiError(400, 21602, 'Message body is required.');
  const badMedia = input.media.find((u) => !isMediaUrl(u));
  if (badMedia !== undefined) throw new SandboxApiError(400, 21620, `Invalid media URL(s): ${badMedia}`);
  if (body.length > 1600) throw new SandboxApiError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
  const senders = from ? [from] : poolOf(ctx).map((n) => n.phone_number);
  if (senders.some((s) => ctx.store.get('optout', optoutKey(to, s)))) throw new SandboxApiError(400, 21610, 'Attempt to send to unsubscribed recipient');
  const faultCode = drawMessageFault(ctx.faults, to);
  // Errors of the 21xxx family are the API's own refusals; the others happen after acceptance.
  if (faultCode && !MESSAGE_FAULTS[faultCode].status) throw new SandboxApiError(400, faultCode, MESSAGE_FAULTS[faultCode].message);

  const sid = newSid(input.media.length ? 'MM' : 'SM');
  const now = rfc2822(new Date());
  const m: MessageRecord = {
    account_sid: ctx.account.sid,
    api_version: API_VERSION,
    body,
    date_created: now,
    date_sent: null,
    date_updated: now,
    direction: input.direction ?? 'outbound-api',
    error_code: null,
    error_message: null,
    from,
    messaging_service_sid: input.messagingServiceSid ?? null,
    num_media: String(input.media.length),
    num_segments: String(segmentsOf(body)),
    price: null,
    price_unit: 'USD',
    sid,
    status: input.messagingServiceSid && !from ? 'accepted' : 'queued',
    subresource_uris: { media: `${ctx.accountPath}/Messages/${sid}/Media.json` },
    to,
    uri: `${ctx.accountPath}/Messages/${sid}.json`,
    _media: input.media,
    _statusCallback: input.statusCallback,
    _statusCallbackMethod: input.statusCallbackMethod,
    // The millisecond it was accepted: date_created has whole seconds, too coarse to check a rate with.
    _createdAtMs: Date.now(),
    ...(faultCode ? { _faultCode: faultCode } : {}),
  };
  ctx.store.put('message', m);
  postStatus(ctx, m);
  enqueue(ctx, m);
  return m;
}

export function registerMessages(router: Router, ctx: SandboxContext): void {
  const base = '/2010-04-01/Accounts/:AccountSid/Messages';
  router.on('POST', `${base}.json`, (req) => {
    const f = req.form;
    const statusCallback = f.get('StatusCallback');
    if (statusCallback && !/^https?:\/\//.test(statusCallback)) throw new SandboxApiError(400, 21609, `StatusCallback ${statusCallback} is not a valid URL.`);
    const m = createOutboundMessage(ctx, {
      to: f.get('To'),
      from: f.get('From'),
      messagingServiceSid: f.get('MessagingServiceSid'),
      body: f.get('Body'),
      media: f.getAll('MediaUrl'),
      statusCallback,
      statusCallbackMethod: f.get('StatusCallbackMethod'),
    });
    return { status: 201, json: publicView(m) };
  });
  router.on('GET', `${base}.json`, (req) => {
    const items = listedMessages(ctx.store.list<MessageRecord>('message'), messageListFilter(req.query), ctx.faults).map(publicView);
    return pageOf(req, items, 'messages');
  });
  router.on('GET', `${base}/:Sid.json`, (req) => {
    const m = ctx.store.get<MessageRecord>('message', req.params.Sid);
    if (!m) throw notFound(req.path);
    return { status: 200, json: publicView(m) };
  });
  router.on('DELETE', `${base}/:Sid.json`, (req) => {
    const m = ctx.store.get<MessageRecord>('message', req.params.Sid);
    if (!m) throw notFound(req.path);
    if (['queued', 'accepted', 'sending'].includes(m.status)) throw new SandboxApiError(409, 20009, 'Cannot delete message because it is still in progress.');
    ctx.store.delete('message', m.sid);
    return { status: 204 };
  });
}
