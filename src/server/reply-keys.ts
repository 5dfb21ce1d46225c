/**
 * One reply per inbound text, whichever instance answers it and however: every reply to a text shares
 * the request key `reply:<MessageSid>`. A reply sent through the REST API claims one key per part
 * (`reply:<MessageSid>:<n>/<parts>`) carrying the whole reply's fingerprint (its text, media and
 * layout, chunk-layout.ts); a reply given back in a TwiML answer claims `reply:<MessageSid>` itself,
 * settled as a TwiML answer, under a fingerprint no API reply can have. So a second, different reply
 * to the same text (a turn redone on another instance after this one froze past the liveness expiry)
 * is refused by the claim's conflict check, and a second identical one finds the first settled.
 */
import { layoutFingerprint } from '../messaging/chunk-layout.js';
import { messageFingerprint } from '../messaging/deliver.js';
import { type ClaimOwner, fingerprintOf } from '../store/claims.js';
import { claimSettledKey, settleKey } from '../store/idempotency.js';
import { statement } from '../store/statement.js';
import type { Store } from '../store/open-store.js';

export const replyRequestKey = (messageSid: string) => `reply:${messageSid}`;
export const replyPartKey = (messageSid: string, part: number, parts: number) => `reply:${messageSid}:${part}/${parts}`;

/** What every part of a reply sent through the API carries: the whole reply's fingerprint. */
export function apiReplyFingerprint(r: { to: string; from: string; text: string | null; mediaRecord: string[]; parts: string[] }): string {
  return layoutFingerprint(messageFingerprint({ to: r.to, from: r.from, body: r.text ?? '', media: r.mediaRecord }), r.parts);
}

/** A reply about to go back in a TwiML answer. */
export interface AnswerReply {
  messageSid: string;
  to: string;
  from: string;
  texts: string[];
  media: string[];
}

/**
 * Claims the text's reply for this TwiML answer and settles it at once (the answer is handed to
 * Twilio with the webhook's response). Undefined when it may go; else why not (another reply to the
 * text was claimed first, here or on another instance). The usual case, a text nobody answered yet,
 * is one statement (claimSettledKey: on SQLite inside the webhook's group commit); anything else is
 * claimed as usual, which says what holds the key.
 */
export async function claimAnswerReply(store: Store, claims: ClaimOwner, r: AnswerReply): Promise<string | undefined> {
  const key = replyRequestKey(r.messageSid);
  const request = { to: r.to, from: r.from, body: r.texts.join('\n'), media: r.media, via: 'twiml' };
  const keyRequest = { key, requestKey: key, scope: 'sms', request, fingerprint: fingerprintOf(request) };
  const sid = `twiml:${r.messageSid}`;
  const result = { via: 'twiml', to: r.to, parts: r.texts.length };
  if (await claimSettledKey(store, keyRequest, claims.id, sid, result)) return undefined;
  const claim = await claims.claim(keyRequest);
  if (claim.kind === 'claimed') {
    try {
      await settleKey(store, key, claims.id, sid, result);
    } finally {
      claims.done(key);
    }
    return undefined;
  }
  if (claim.kind === 'settled') return 'this text was answered already (a redelivery answered elsewhere)';
  if (claim.kind === 'conflict') return `another reply to this text was sent or started first (${claim.row.key})`;
  return `another reply to this text is being sent (${claim.owner})`;
}

const VOID_TWIML_REPLY = statement("DELETE FROM idempotency_keys WHERE key = ? AND state = 'settled' AND sid = ?");

/**
 * Forgets the TwiML reply claimed for a text whose webhook answer was never kept (the instance died or
 * the store failed before the answer was stored, and it goes to Twilio only once stored): Twilio never
 * got it, so the turn that handles the text again may reply. A reply sent through the API stays.
 */
export async function voidUnsentAnswerReply(store: Store, messageSid: string | undefined): Promise<void> {
  if (messageSid) await store.write(VOID_TWIML_REPLY, [replyRequestKey(messageSid), `twiml:${messageSid}`]);
}
