/**
 * How an inbound text's reply leaves: in the webhook's TwiML answer when the agent answers within
 * agent.replyTimeoutMs, else through the REST API. The webhook handler decides (once: at the timeout,
 * or when the reply is in hand); the turn carries it out in its place in the conversation
 * (sessions.ts `after`), so the next text's reply cannot reach the sender before this one's last part
 * has been handed to Twilio (or has failed).
 */
import type { ReplyWithMedia } from '../agent/agent.js';
import type { Emit } from './events.js';
import type { InboundDeps } from './inbound-sms.js';
import type { ReadyMedia } from './reply-media.js';
import { apiReplyFingerprint, replyPartKey, replyRequestKey } from './reply-keys.js';

/** In the webhook's answer (or nothing to send), or through the API (with its attachments when already made ready). */
export type ReplyRoute = { via: 'answer' } | { via: 'api'; media?: ReadyMedia };

export interface LateReply {
  /** Says how the reply goes; the first call counts, later ones do nothing. */
  decide(route: ReplyRoute): void;
  /** The turn's `after`: waits for the decision and sends the reply through the API when so decided. */
  sendIfDecided(reply: ReplyWithMedia): Promise<void>;
  /** Settles once a reply sent through the API has been handed to Twilio, or has failed. */
  readonly sent: Promise<void>;
}

export interface LateReplyOptions {
  /** The inbound text's MessageSid, and who the reply goes to and from. */
  sid: string;
  to: string;
  from: string;
  /** The reply's text in SMS parts (an attachment-only reply is one empty part). */
  parts(text: string | null, withMedia: boolean): string[];
  attachments(reply: ReplyWithMedia): Promise<ReadyMedia>;
  sendReply: InboundDeps['sendReply'];
  emit: Emit;
  /** Records the reply while it goes out, so one cut off by this instance's death is reported elsewhere (store/reply-plans.ts). */
  plans?: InboundDeps['replyPlans'];
}

export function createLateReply(o: LateReplyOptions): LateReply {
  let decide!: (route: ReplyRoute) => void;
  const decided = new Promise<ReplyRoute>((resolve) => (decide = resolve));
  let markSent!: () => void;
  const sent = new Promise<void>((resolve) => (markSent = resolve));
  return {
    decide,
    sent,
    async sendIfDecided(reply) {
      try {
        const route = await decided;
        if (route.via === 'api') await sendThroughApi(reply.text, route.media ?? (await o.attachments(reply)), o);
      } finally {
        markSent();
      }
    },
  };
}

/** Sends a reply part by part through the REST API; the store keeps its files by content, never their token URLs. */
async function sendThroughApi(text: string | null, media: ReadyMedia, o: LateReplyOptions): Promise<void> {
  const parts = o.parts(text, media.urls.length > 0);
  // One request for the whole reply (reply-keys.ts): a different reply to the same text is refused.
  const requestKey = replyRequestKey(o.sid);
  const fingerprint = apiReplyFingerprint({ to: o.to, from: o.from, text, mediaRecord: media.record, parts });
  await o.plans?.begin({ messageSid: o.sid, to: o.to, from: o.from, parts: parts.length });
  try {
    for (const [i, body] of parts.entries()) {
      const key = replyPartKey(o.sid, i + 1, parts.length);
      try {
        await o.sendReply({ to: o.to, from: o.from, body, key, requestKey, fingerprint, ...(i === 0 ? { media: media.urls, mediaRecord: media.record } : {}) });
        o.emit('sms.out', { from: o.from, to: o.to, body, via: 'rest' });
      } catch (err) {
        // Kept in the store under its key (pending or failed), so it is never sent twice; said here, with
        // the parts left unsent, so it is not lost silently.
        o.emit('reply.failed', { to: o.to, key, error: (err as Error).message, unsentParts: parts.length - i });
        return;
      }
    }
  } finally {
    await o.plans?.end(o.sid);
  }
}
