/**
 * The `send` verb for one recipient: normalise the numbers, refuse an opted-out recipient before the
 * API, hold it for approval when `outbound.approval` says so, split the body, and deliver each chunk
 * exactly once. The same function serves the CLI, batches, approvals and `serve`.
 */
import type { ResolvedConfig } from '../config/resolve.js';
import { NetworkError, UserError } from '../errors.js';
import { requestApproval } from '../store/approvals.js';
import { findKey } from '../store/idempotency.js';
import { hasMessaged } from '../store/message-log.js';
import { optOutReason, optOutSource } from '../store/optouts.js';
import type { ChunkOptions } from './chunk.js';
import { earlierLayout, layoutFingerprint } from './chunk-layout.js';
import { type DeliverDeps, deliverMessage, messageFingerprint, type SendResult } from './deliver.js';
import { hostMedia, inspectMedia, mediaFingerprint } from './outbound-media.js';
import { planMessage, type Prices } from './plan.js';
import { hintCommand } from '../command-prefix.js';
import { uuidV7 } from '../unique-id.js';

export interface TextRequest {
  to: string;
  body: string;
  from?: string;
  messagingServiceSid?: string;
  media: string[];
  statusCallback?: string;
  /** Given by the caller, or a fresh one. */
  idempotencyKey?: string;
}

export interface TextPolicy {
  chunking: ChunkOptions;
  prices: Prices;
  approval: 'none' | 'first-contact' | 'always';
  /** Skip the approval gate: this send was approved. */
  approved?: boolean;
  /** Where sends go (recorded with a held text, so approving it later goes to the same place). */
  origin?: 'sandbox' | 'twilio';
}

/** The policy the configuration sets for outbound texts. */
export function textPolicyFrom(config: ResolvedConfig): TextPolicy {
  return {
    chunking: { mode: config.sms.chunkMode, maxLength: config.sms.maxLength, numbering: config.sms.segmentNumbering },
    prices: { pricePerSegment: config.sms.pricePerSegment, pricePerMms: config.sms.pricePerMms },
    approval: config.outbound.approval,
  };
}

export type TextOutcome =
  | { kind: 'sent'; results: SendResult[] }
  | { kind: 'pending-approval'; approvalId: string; idempotencyKey: string; reason: string };

export async function sendText(req: TextRequest, policy: TextPolicy, deps: DeliverDeps): Promise<TextOutcome> {
  if (!req.from && !req.messagingServiceSid) {
    throw new UserError('No sender: neither a from number nor a Messaging Service is configured.', {
      code: 'no_sender',
      hint: 'Pass --from +1555... or --messaging-service MG..., or set fromNumber / twilio.messagingServiceSid (TWILIO_PHONE_NUMBER / TWILIO_MESSAGING_SERVICE_SID).',
    });
  }
  // Local files are read and checked against Twilio's limits first: nothing is held or sent for a file Twilio would refuse.
  const media = await inspectMedia(req.media);
  // A held text keeps absolute paths, so approving it from another folder sends the same files.
  const mediaAsGiven = media.map((m) => (m.kind === 'url' ? m.url : m.path));
  if (!req.body && req.media.length === 0) throw new UserError('The message is empty.', { code: 'empty_body', hint: 'Give a body, --body-file, or --media.' });
  const optedOut = await optOutSource(deps.store, req.to);
  if (optedOut) {
    const remove = `\`${hintCommand(`optouts remove ${req.to}`)}\``;
    throw new UserError(`${optOutReason(req.to, optedOut)}; nothing was sent.`, {
      code: 'opted_out',
      hint: optedOut === 'operator' ? `${remove} takes it off the list if they may be texted again.` : `They must text START to opt back in; ${remove} if you know they did.`,
    });
  }
  const key = req.idempotencyKey ?? `send:${uuidV7()}`;
  if (!policy.approved && policy.approval !== 'none') {
    const firstContact = !(await hasMessaged(deps.store, req.to));
    if (policy.approval === 'always' || firstContact) {
      const reason = policy.approval === 'always' ? 'outbound.approval is "always"' : `first contact with ${req.to}`;
      const approval = await requestApproval(deps.store, { key, kind: 'sms', request: { ...req, media: mediaAsGiven, idempotencyKey: key }, reason, origin: policy.origin });
      return { kind: 'pending-approval', approvalId: approval.id, idempotencyKey: key, reason };
    }
  }
  const plan = planMessage(req.body, req.media, policy.chunking, policy.prices);
  const results: SendResult[] = [];
  // Every chunk carries the whole request's fingerprint, so the key reused for another body is refused
  // even when that body splits into a different number of chunks; a text in several parts adds how it
  // was split, so the same text split another way is refused too (chunk-layout.ts). Files count by content.
  const mediaRecord = mediaFingerprint(media);
  const contentFingerprint = messageFingerprint({ ...req, media: mediaRecord });
  const parts = plan.chunks.map((c) => c.text);
  // A rerun of a message already sent needs no new URL (nor a running serve): it answers from the store.
  const firstKey = plan.chunks.length > 1 ? `${key}#1/${plan.chunks.length}` : key;
  const alreadySent = media.some((m) => m.kind === 'file') && (await findKey(deps.store, firstKey))?.state === 'settled';
  const mediaUrls = alreadySent ? [] : await hostMedia(media, deps.mediaHost);
  const deliverParts = async (fingerprint: string) => {
    for (const [i, text] of parts.entries()) {
      const chunks = parts.length;
      results.push(
        await deliverOrNameKey(req.idempotencyKey === undefined, key, () => deliverMessage(
          {
            key: chunks > 1 ? `${key}#${i + 1}/${chunks}` : key,
            requestKey: key,
            fingerprint,
            to: req.to,
            from: req.from,
            messagingServiceSid: req.messagingServiceSid,
            body: text,
            // Media goes with the first chunk only, so it is paid for once.
            media: i === 0 ? mediaUrls : [],
            mediaRecord: i === 0 ? mediaRecord : [],
            statusCallback: req.statusCallback,
            chunk: i + 1,
            chunks,
          },
          // A stop can keep the first chunk from going out, never cut a message in half once it started.
          i === 0 ? deps : { ...deps, signal: undefined },
        )),
      );
    }
    return results;
  };
  try {
    return { kind: 'sent', results: await deliverParts(layoutFingerprint(contentFingerprint, parts)) };
  } catch (err) {
    // Refused at the first part: the key may stand for this very text, split another way before.
    if (results.length > 0 || !(err instanceof UserError) || err.code !== 'idempotency_key_reused') throw err;
    const earlier = await earlierLayout(deps.store, { requestKey: key, contentFingerprint, parts });
    if (!earlier) throw err;
    if (earlier.kind === 'sent') return { kind: 'sent', results: earlier.results };
    return { kind: 'sent', results: await deliverParts(contentFingerprint) };
  }
}

/**
 * A send whose outcome is unknown (no answer, and Twilio's list could not be read) left its key
 * pending. "Run it again" is only safe under that key: without --idempotency-key a rerun draws a new
 * one and would send a second text, so the error names the key to rerun with (and --json carries it).
 */
async function deliverOrNameKey(keyWasDrawn: boolean, key: string, deliver: () => Promise<SendResult>): Promise<SendResult> {
  try {
    return await deliver();
  } catch (err) {
    if (!keyWasDrawn || !(err instanceof NetworkError) || !err.pendingKey) throw err;
    const rerun = `run it again with --idempotency-key ${key}: it checks Twilio first and sends only if nothing went out (without the key, a rerun is a new text).`;
    // deliver's own advice ("run the same command again") is right only under a key given by the user.
    const transportHint = (err.hint ?? '').replace(/(^|\s*Then )run the same command again:.*$/i, '').trim();
    const hint = transportHint ? `${transportHint} Then ${rerun}` : rerun[0].toUpperCase() + rerun.slice(1);
    throw new NetworkError(err.message, hint, key);
  }
}
