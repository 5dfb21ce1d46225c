/**
 * Late replies cut off by the death of their serve instance (kill -9, a power cut) are said, once, by
 * whichever instance on the store sweeps first (the restarted one included): the sender got only some
 * of the parts, and the dead instance's own log went with it. The rest is not sent later: the
 * conversation may have moved on since. Each is an `reply.orphaned` event and a /metrics count.
 */
import type { Store } from '../store/open-store.js';
import { beginReplyPlan, endReplyPlan, type OrphanedReply, takeOrphanedReplies } from '../store/reply-plans.js';
import type { InboundDeps } from './inbound-sms.js';
import type { ServeEventMap } from './events.js';
import { replyRequestKey } from './reply-keys.js';

// As often as an instance can be taken for dead (INSTANCE_EXPIRY_MS): a tiny table, one statement.
const SWEEP_EVERY_MS = 10_000;

/** The late-reply records of one instance; a failed write is reported and the reply goes on. */
export function replyPlansOf(store: Store, instanceId: string, onError: (err: Error) => void): NonNullable<InboundDeps['replyPlans']> {
  return {
    begin: (plan) => beginReplyPlan(store, plan, instanceId).catch(onError),
    end: (messageSid) => endReplyPlan(store, messageSid, instanceId).catch(onError),
  };
}

export interface ReplyOrphanSweepOptions {
  onOrphaned(reply: OrphanedReply): void;
  onError(err: Error): void;
  everyMs?: number;
}

/** Starts the sweep (at once, then every 10 s); returns how to stop it. */
export function sweepOrphanedReplies(store: Store, o: ReplyOrphanSweepOptions): () => void {
  let running = false;
  const sweep = () => {
    if (running) return;
    running = true;
    takeOrphanedReplies(store, replyRequestKey)
      .then((replies) => replies.forEach(o.onOrphaned))
      .catch((err: Error) => o.onError(err))
      .finally(() => (running = false));
  };
  sweep();
  const timer = setInterval(sweep, o.everyMs ?? SWEEP_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** The event's fields: numbers and SIDs, capped, as they came from the store (and once from a request). */
export function orphanedReplyFields(r: OrphanedReply): ServeEventMap['reply.orphaned'] {
  const cap = (v: string) => v.slice(0, 64);
  return {
    to: cap(r.to),
    messageSid: cap(r.messageSid),
    parts: r.parts,
    sent: r.sent,
    startedAt: cap(r.startedAt),
    message: `the reply to ${cap(r.to)} (text ${cap(r.messageSid)}) was cut off when the serve instance sending it stopped: ${r.sent} of ${r.parts} parts were handed to Twilio (one more may have been as it stopped); the rest is not sent`,
  };
}
