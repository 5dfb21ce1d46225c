/**
 * Status changes of a call: the record, its timeline, and the signed status callback for the events
 * the call subscribed to (StatusCallbackEvent: initiated ringing answered completed), with Twilio's
 * fields: CallStatus, CallDuration, SequenceNumber, Timestamp, CallbackSource.
 */
import type { SandboxContext } from '../context.js';
import { rfc2822 } from '../ids.js';
import { callFields, type CallRecord, ENDED } from './call-record.js';
import { addTimeline } from './timeline.js';

/** Twilio's per-minute voice prices (US), billed by the started minute. */
const PRICE_PER_MINUTE = { inbound: 0.0085, outbound: 0.014 };

function eventOf(status: string): string {
  if (status === 'initiated') return 'initiated';
  if (status === 'in-progress') return 'answered';
  if (ENDED.has(status)) return 'completed';
  return status;
}

/**
 * Moves the call to `status` and posts the status callback if its event is subscribed. `initiated`
 * exists only in callbacks: the resource stays `queued` until it rings, as Twilio's enum says.
 */
export function setStatus(ctx: SandboxContext, c: CallRecord, status: string): void {
  if (status !== 'initiated') c.status = status;
  c.date_updated = rfc2822(new Date());
  addTimeline(c, 'status', status);
  ctx.store.put('call', c);
  const event = eventOf(status);
  if (!c._statusCallback || !c._events.includes(event)) return;
  const params: Record<string, string> = {
    ...callFields(ctx, c),
    CallStatus: status,
    CallbackSource: 'call-progress-events',
    Timestamp: rfc2822(new Date()),
    SequenceNumber: String(c._sequence++),
  };
  if (ENDED.has(status)) {
    params.CallDuration = c.duration ?? '0';
    params.Duration = String(Math.ceil(Number(c.duration ?? 0) / 60));
  }
  const url = c._statusCallback;
  void ctx.webhooks.send({ url, method: c._statusCallbackMethod, params, kind: 'call-status', relatedSid: c.sid }).then((d) => {
    addTimeline(c, 'webhook', `status callback ${status}: ${d.ok ? `answered ${d.status}` : `failed (${d.status ?? d.attempts.at(-1)?.error ?? 'no answer'})`}`, { url, status: d.status ?? null });
  });
}

export function isEnded(c: CallRecord): boolean {
  return ENDED.has(c.status);
}

/** Ends the call once: end time, duration (answered calls only), price, and the final callback. */
export function endCall(ctx: SandboxContext, c: CallRecord, status: string): boolean {
  if (ENDED.has(c.status)) return false;
  const now = new Date();
  c.end_time = rfc2822(now);
  if (c.start_time) {
    const seconds = Math.max(1, Math.round((now.getTime() - Date.parse(c.start_time)) / 1000));
    c.duration = String(seconds);
    const rate = c.direction === 'inbound' ? PRICE_PER_MINUTE.inbound : PRICE_PER_MINUTE.outbound;
    c.price = (-rate * Math.ceil(seconds / 60)).toFixed(5);
  } else {
    c.duration = status === 'completed' ? '0' : null;
  }
  setStatus(ctx, c, status);
  return true;
}

export function markAnswered(ctx: SandboxContext, c: CallRecord): void {
  c.start_time = rfc2822(new Date());
  setStatus(ctx, c, 'in-progress');
}
