/**
 * A message's delivery status callback: applied in Twilio's order (never backwards, never over a
 * final state, repeats ignored, disagreements recorded; see store/delivery-status.ts), kept in the
 * audit log, and logged with the state the message is now in and, for an error code, what to do
 * about it. The record holds the SID, states and error code: no body, no numbers.
 */
import { applyDeliveryStatus } from '../store/delivery-status.js';
import { appendEvent } from '../store/events.js';
import type { Store } from '../store/open-store.js';
import { twilioHint } from '../twilio/error-hints.js';
import { one, type InboundParams } from './inbound-sms.js';
import type { Emit } from './events.js';

export interface MessageStatusDeps {
  store: Store;
  emit: Emit;
}

export async function handleMessageStatus(p: InboundParams, deps: MessageStatusDeps): Promise<void> {
  const sid = one(p.MessageSid) || one(p.SmsSid);
  const reported = one(p.MessageStatus) || one(p.SmsStatus);
  const errorCode = Number(one(p.ErrorCode)) || null;
  const applied = await applyDeliveryStatus(deps.store, { sid, status: reported, errorCode });
  await appendEvent(deps.store, 'status.callback', sid, { status: reported, errorCode, outcome: applied.outcome, ...(applied.conflict ? { conflict: applied.conflict } : {}) });
  const hint = twilioHint(applied.errorCode);
  deps.emit(applied.outcome === 'conflict' ? 'status.conflict' : 'status', {
    sid,
    status: applied.status,
    ...(reported !== applied.status ? { reported } : {}),
    outcome: applied.outcome,
    ...(applied.errorCode ? { errorCode: applied.errorCode } : {}),
    ...(hint ? { hint } : {}),
    ...(applied.conflict ? { conflict: applied.conflict } : {}),
  });
}
