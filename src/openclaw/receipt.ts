/** OpenClaw's receipt for one send: the Twilio messages it became, first chunk first. */
import type { MessageReceipt } from './sdk.js';

export function receiptOf(sids: readonly string[], kind: 'text' | 'media'): MessageReceipt {
  return {
    ...(sids.length ? { primaryPlatformMessageId: sids[0] } : {}),
    platformMessageIds: [...sids],
    parts: sids.map((platformMessageId, index) => ({ platformMessageId, kind, index })),
    sentAt: Date.now(),
  };
}
