/**
 * A text arriving at one of the account's numbers (from a simulated handset, or from another of its
 * numbers): stored as an inbound message, opt-out keywords applied as Twilio does, then POSTed signed
 * to the number's SmsUrl, and the TwiML answer carried out.
 */
import { keywordOf } from '../messaging/keywords.js';
import { contentTypeForFile } from '../messaging/media-types.js';
import { analyzeSegments } from '../messaging/segments.js';
import type { SandboxContext } from './context.js';
import { SandboxApiError } from './http.js';
import { API_VERSION, newSid, rfc2822 } from './ids.js';
import { createOutboundMessage, type MessageRecord, optoutKey } from './resources/messages.js';
import { findOwnedNumber } from './resources/numbers.js';
import { runMessagingTwiml } from './twiml-reply.js';
import type { WebhookDelivery } from './webhooks.js';
import { recordNotification } from './notifications.js';
import { mediaAtUrl, mediaUrlOf, storeMedia } from './resources/media.js';


export interface InboundText {
  from: string;
  to: string;
  body: string;
  /** Media URLs given as they are (the handset's MMS points wherever they say). */
  media: string[];
  /**
   * The handset's attachments in order, after `media`: a URL as it is, or a file kept as the message's
   * Media, its MediaUrlN the sandbox's own media URL.
   */
  attachments?: Attachment[];
}

export type Attachment = { url: string } | { contentType: string; data: Buffer };

/** Twilio's limit of media per message (error 21623). */
export const MAX_MEDIA = 10;

export interface InboundResult {
  message: MessageRecord;
  /** Settles when the webhook has been answered and its TwiML carried out. */
  processed: Promise<WebhookDelivery | undefined>;
}

/** A given media URL's type, by its extension as Twilio would guess it (a photo when it cannot tell). */
function contentTypeOf(url: string): string {
  const type = contentTypeForFile(url.split('?')[0]);
  return type === 'application/octet-stream' ? 'image/jpeg' : type;
}

export function inboundParams(ctx: SandboxContext, m: MessageRecord): Record<string, string> {
  const p: Record<string, string> = {
    AccountSid: ctx.account.sid,
    ApiVersion: API_VERSION,
    Body: m.body,
    From: m.from ?? '',
    FromCity: '',
    FromCountry: m.from?.startsWith('+1') ? 'US' : '',
    FromState: '',
    FromZip: '',
    MessageSid: m.sid,
    NumMedia: String(m._media.length),
    NumSegments: m.num_segments,
    SmsMessageSid: m.sid,
    SmsSid: m.sid,
    SmsStatus: 'received',
    To: m.to,
    ToCity: '',
    ToCountry: m.to.startsWith('+1') ? 'US' : '',
    ToState: '',
    ToZip: '',
  };
  m._media.forEach((url, i) => {
    p[`MediaUrl${i}`] = url;
    p[`MediaContentType${i}`] = mediaAtUrl(ctx, url)?.content_type ?? contentTypeOf(url);
  });
  return p;
}

export function receiveText(ctx: SandboxContext, text: InboundText): InboundResult {
  const number = findOwnedNumber(ctx, text.to);
  if (!number) throw new SandboxApiError(404, 20404, `${text.to} is not one of the sandbox account's numbers`);
  if (!/^\+[1-9]\d{7,14}$/.test(text.from)) throw new SandboxApiError(400, 21212, `The From number ${text.from} is not a valid phone number`);
  const attachments = text.attachments ?? [];
  if (text.media.length + attachments.length > MAX_MEDIA) throw new SandboxApiError(400, 21623, `Number of media files exceeds allowed limit: at most ${MAX_MEDIA} in one message.`);
  const now = rfc2822(new Date());
  const sid = newSid(text.media.length + attachments.length ? 'MM' : 'SM');
  const media = [...text.media, ...attachments.map((a) => ('url' in a ? a.url : mediaUrlOf(ctx, storeMedia(ctx, sid, a.contentType, a.data))))];
  const message: MessageRecord = {
    account_sid: ctx.account.sid,
    api_version: API_VERSION,
    body: text.body,
    date_created: now,
    date_sent: now,
    date_updated: now,
    direction: 'inbound',
    error_code: null,
    error_message: null,
    from: text.from,
    messaging_service_sid: null,
    num_media: String(media.length),
    num_segments: String(analyzeSegments(text.body).segments),
    price: null,
    price_unit: 'USD',
    sid,
    status: 'received',
    subresource_uris: { media: `${ctx.accountPath}/Messages/${sid}/Media.json` },
    to: text.to,
    uri: `${ctx.accountPath}/Messages/${sid}.json`,
    _media: media,
  };
  ctx.store.put('message', message);
  applyOptOutKeyword(ctx, text);

  const processed = (async () => {
    if (!number.sms_url) return undefined;
    const params = inboundParams(ctx, message);
    const delivery = await ctx.webhooks.send({
      url: number.sms_url,
      method: number.sms_method,
      params,
      fallbackUrl: number.sms_fallback_url,
      fallbackMethod: number.sms_fallback_method,
      kind: 'sms',
      relatedSid: sid,
    });
    // As Twilio does: the SmsUrl not answering (even when the fallback did) is error 11200 in the account's alerts.
    if (!delivery.ok || delivery.usedFallback) {
      const failed = delivery.attempts.find((a) => a.url === number.sms_url);
      recordNotification(ctx, { code: 11200, message: `HTTP retrieval failure${failed?.status ? `: status ${failed.status}` : failed?.error ? `: ${failed.error}` : ''}` }, { url: number.sms_url, method: number.sms_method ?? 'POST', relatedSid: sid });
    }
    if (delivery.ok && delivery.body) {
      await runMessagingTwiml(ctx, delivery.body, { url: delivery.attempts[delivery.attempts.length - 1].url, params, number: number.phone_number, handset: text.from });
    }
    return delivery;
  })();
  return { message, processed };
}

/** Twilio's default opt-out handling: STOP words unsubscribe (with a confirmation), START words resubscribe. */
function applyOptOutKeyword(ctx: SandboxContext, text: InboundText): void {
  const keyword = keywordOf(text.body);
  const key = optoutKey(text.from, text.to);
  if (keyword === 'stop') {
    createOutboundMessage(ctx, { to: text.from, from: text.to, body: 'You have successfully been unsubscribed. You will not receive any more messages from this number. Reply START to resubscribe.', media: [], direction: 'outbound-reply' });
    ctx.store.put('optout', { sid: key, at: new Date().toISOString() });
  } else if (keyword === 'start' && ctx.store.get('optout', key)) {
    ctx.store.delete('optout', key);
    createOutboundMessage(ctx, { to: text.from, from: text.to, body: 'You have successfully been re-subscribed to messages from this number. Reply HELP for help. Reply STOP to unsubscribe.', media: [], direction: 'outbound-reply' });
  }
}
