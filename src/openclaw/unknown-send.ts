/**
 * OpenClaw's question after a crash or a lost answer: did this queued delivery reach Twilio? Each part
 * of a delivery is sent under the key `openclaw:<queue id>:<part>` (outbound.ts), claimed in the store
 * before any request, so the store answers:
 * - no key was ever claimed: nothing was asked of Twilio, a fresh send is safe (`not_sent`);
 * - every part settled: `sent`, with Twilio's SIDs as the receipt;
 * - a part is pending under a live lease: a run is on it now (`unresolved`, ask again later);
 * - otherwise (a part never started, failed, or was left pending by a dead run): `not_sent`, because
 *   OpenClaw's replay goes through the same keys: settled parts answer from the store, and a pending
 *   part is reconciled against Twilio's Messages list before anything is resent.
 */
import { openStore } from '../store/open-store.js';
import { requestProgress, type RequestProgress } from '../store/request-progress.js';
import { loadSettings } from '../config/settings.js';
import { CHANNEL_ID } from './channel-id.js';
import { receiptOf } from './receipt.js';
import type { ChannelMessageUnknownSendContext, UnknownSendVerdict } from './sdk.js';

export const deliveryPartKey = (queueId: string, part: number) => `openclaw:${queueId}:${part}`;

/**
 * The parts OpenClaw sends for the delivery: one MMS per attachment (the first with the caption), or
 * one text (the channel declares no chunker, so OpenClaw hands a text over whole; sendText splits it
 * into SMS chunks, each under a key of its own sharing the part's key as `request_key`).
 */
function partsOf(ctx: ChannelMessageUnknownSendContext): { count: number; kind: 'text' | 'media' } {
  const payload = ctx.payloads[0];
  const media = payload?.mediaUrls?.length ?? (payload?.mediaUrl ? 1 : 0);
  return media > 0 ? { count: media, kind: 'media' } : { count: 1, kind: 'text' };
}

/** The verdict from what the store knows of each part. */
export function verdictOf(parts: RequestProgress[], kind: 'text' | 'media'): UnknownSendVerdict {
  if (parts.every((p) => p.claimed === 0)) return { status: 'not_sent' };
  if (parts.some((p) => p.inFlight > 0)) return { status: 'unresolved', error: 'another send of this delivery is still in progress', retryable: true };
  if (!parts.every((p) => p.settled === p.chunks && p.sids.length === p.chunks)) return { status: 'not_sent' };
  const sids = parts.flatMap((p) => p.sids);
  return { status: 'sent', messageId: sids[0], receipt: receiptOf(sids, kind) };
}

export async function reconcileUnknownSend(ctx: ChannelMessageUnknownSendContext): Promise<UnknownSendVerdict> {
  if (ctx.channel !== CHANNEL_ID) return { status: 'unresolved', error: `not a ${CHANNEL_ID} delivery`, retryable: false };
  const settings = await loadSettings({});
  const store = await openStore(settings.resolution.config.store.url, { queryBuilder: false });
  try {
    const { count, kind } = partsOf(ctx);
    const parts: RequestProgress[] = [];
    for (let part = 0; part < count; part++) parts.push(await requestProgress(store, deliveryPartKey(ctx.queueId, part)));
    return verdictOf(parts, kind);
  } finally {
    await store.close();
  }
}
