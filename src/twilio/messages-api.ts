/** The Messages resource as the product uses it: create, fetch, and list with Twilio's filters and paging. */
import { listAll } from './pager.js';
import type { RestClient } from './rest-client.js';

export interface TwilioMessage {
  sid: string;
  to: string;
  from: string | null;
  body: string;
  status: string;
  num_segments: string;
  num_media: string;
  messaging_service_sid: string | null;
  date_created: string;
  date_sent: string | null;
  price: string | null;
  error_code: number | null;
  error_message: string | null;
  direction: string;
}

export interface CreateMessageParams {
  to: string;
  from?: string;
  messagingServiceSid?: string;
  body: string;
  media: string[];
  statusCallback?: string;
}

export function createMessage(client: RestClient, p: CreateMessageParams, opts: { maxRetries?: number; signal?: AbortSignal; beforeSend?: () => Promise<number> } = {}): Promise<TwilioMessage> {
  return client.request<TwilioMessage>('POST', 'Messages.json', {
    body: { To: p.to, From: p.messagingServiceSid ? undefined : p.from, MessagingServiceSid: p.messagingServiceSid, Body: p.body || undefined, MediaUrl: p.media, StatusCallback: p.statusCallback },
    maxRetries: opts.maxRetries,
    signal: opts.signal,
    beforeSend: opts.beforeSend,
  });
}

export function fetchMessage(client: RestClient, sid: string): Promise<TwilioMessage> {
  return client.request<TwilioMessage>('GET', `Messages/${encodeURIComponent(sid)}.json`);
}

export interface ListMessagesFilter {
  to?: string;
  from?: string;
  /** YYYY-MM-DD: messages sent on or after this day (a message not sent yet has no sent date: left out). */
  sentAfter?: string;
  limit: number;
  /** Newest first: follow no further page once a message of this one was created before this time (epoch ms; read after each page). */
  createdBackTo?: number | (() => number);
}

/** Up to `limit` messages, newest first, following the pages. */
export async function listMessages(client: RestClient, f: ListMessagesFilter): Promise<TwilioMessage[]> {
  const back = f.createdBackTo;
  const lastPageWhen = back === undefined ? undefined : (m: unknown) => Date.parse((m as TwilioMessage).date_created) < (typeof back === 'number' ? back : back());
  return listAll<TwilioMessage>(client, 'Messages.json', 'messages', { query: { To: f.to, From: f.from, 'DateSent>': f.sentAfter }, limit: f.limit, lastPageWhen });
}
