/**
 * Texts OpenClaw sends on the telephony channel (`openclaw message send --channel telephony`, the
 * agent's message tool, pairing notices), and their MMS attachments, go through this project's `send`
 * verb: opt-outs, approvals, chunks, media checks, the per-sender rate, and exactly-once delivery
 * under an idempotency key. The channel declares durable final delivery (channel.ts), so OpenClaw
 * gives each queued send its delivery id; `openclaw:<id>:<part>` is the key, so its retry or replay
 * of the same send is never a second text, and unknown-send.ts answers from these keys after a crash.
 */
import { loadSettings } from '../config/settings.js';
import { UserError } from '../errors.js';
import { openMessagingSession } from '../messaging/session.js';
import { sendText } from '../messaging/send-text.js';
import { phoneOfEntry } from './pairing-host.js';
import { CHANNEL_ID } from './channel-id.js';
import { receiptOf } from './receipt.js';
import type { ChannelOutboundContext, MessageSendResult } from './sdk.js';
import { deliveryPartKey } from './unknown-send.js';

const E164 = /^\+[1-9]\d{6,14}$/;

/** `+15551234567` or `telephony:+15551234567`; anything else is not a target of this channel. */
export function normalizeTarget(raw: string): string | undefined {
  const phone = phoneOfEntry(raw).replace(/[\s().-]/g, '');
  return E164.test(phone) ? phone : undefined;
}

type SendContext = Pick<ChannelOutboundContext, 'to' | 'text' | 'deliveryQueueId' | 'deliveryPartIndex'> & Partial<Pick<ChannelOutboundContext, 'cfg' | 'mediaUrl' | 'mediaAccess' | 'mediaLocalRoots'>>;

/** A text, or an MMS with OpenClaw's one attachment (outbound-media-access.ts decides whether a local file may go). */
export async function sendFromOpenClaw(ctx: SendContext): Promise<{ channel: string; messageId: string; status: string; sids: string[] }> {
  const to = normalizeTarget(ctx.to);
  if (!to) throw new UserError(`${ctx.to} is not a phone number in E.164 form.`, { code: 'invalid_target', hint: 'Give --target +15551234567 (with the country code).' });
  const mediaUrl = ctx.mediaUrl?.trim();
  const media = mediaUrl ? [await (await import('./outbound-media-access.js')).permittedMedia({ ...ctx, cfg: ctx.cfg ?? {}, mediaUrl })] : [];
  const settings = await loadSettings({});
  const session = await openMessagingSession(settings, {});
  try {
    const { config } = settings.resolution;
    const statusCallback = config.publicUrl ? config.publicUrl.replace(/\/+$/, '') + config.serve.statusPath : undefined;
    const idempotencyKey = ctx.deliveryQueueId ? deliveryPartKey(ctx.deliveryQueueId, ctx.deliveryPartIndex ?? 0) : undefined;
    const request = { to, body: ctx.text, ...session.sender, media, statusCallback, idempotencyKey };
    const outcome = await sendText(request, session.policy, session.depsFor(session.sender));
    if (outcome.kind === 'pending-approval') return { channel: CHANNEL_ID, messageId: `approval:${outcome.approvalId}`, status: 'pending-approval', sids: [] };
    const first = outcome.results[0];
    return { channel: CHANNEL_ID, messageId: first.sid, status: first.status, sids: outcome.results.map((r) => r.sid) };
  } finally {
    await session.close();
  }
}

/** The same send for OpenClaw's message adapter: its receipt lists every SMS/MMS the text became. */
export async function sendForMessageAdapter(ctx: SendContext, kind: 'text' | 'media'): Promise<MessageSendResult> {
  const sent = await sendFromOpenClaw(ctx);
  return { messageId: sent.messageId, receipt: receiptOf(sent.sids, kind) };
}
