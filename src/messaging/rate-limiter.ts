/**
 * A token bucket per sender, one token a slot: each `take` reserves the next free slot at the
 * sender's rate and waits for it. Slots follow the nominal schedule, so a late timer catches up and
 * the average rate holds; `refund` hands back a slot a rejected request (429) did not use.
 */
import { type NumberKind, NUMBER_RATES, numberKindOf, SERVICE_RATE } from '../twilio/sender-kinds.js';

export interface RateLimiter {
  take(): Promise<void>;
  refund(): void;
  readonly ratePerSecond: number;
}

export function createRateLimiter(ratePerSecond: number, now = () => performance.now()): RateLimiter {
  const interval = 1000 / ratePerSecond;
  let next = 0;
  return {
    ratePerSecond,
    async take() {
      const t = now();
      const slot = Math.max(t, next);
      next = slot + interval;
      if (slot > t) await new Promise((r) => setTimeout(r, slot - t));
    },
    refund() {
      next = Math.max(now(), next - interval);
    },
  };
}

export type SenderKind = NumberKind | 'service';

export function senderKindOf(sender: { from?: string; messagingServiceSid?: string }, configured: 'auto' | NumberKind = 'auto'): SenderKind {
  if (sender.messagingServiceSid) return 'service';
  if (configured !== 'auto') return configured;
  return numberKindOf(sender.from ?? '');
}

/** Twilio's documented per-sender rates; a Messaging Service spreads over its pool (10/s unless configured). */
export const DEFAULT_RATES: Record<SenderKind, number> = { ...NUMBER_RATES, service: SERVICE_RATE };

export interface Sender {
  from?: string;
  messagingServiceSid?: string;
}

/** The sender's rate: an override (--rate), else sms.rate, else Twilio's rate for its kind. */
export function senderRate(sms: { rate?: number; senderType: 'auto' | NumberKind }, sender: Sender, override?: number): number {
  return override ?? sms.rate ?? DEFAULT_RATES[senderKindOf(sender, sms.senderType)];
}

/** One limiter per sender, shared by everything a process sends from it. */
export function createLimiterPool(rateFor: (sender: Sender) => number): (sender: Sender) => RateLimiter {
  const limiters = new Map<string, RateLimiter>();
  return (sender) => {
    const id = sender.messagingServiceSid ?? sender.from ?? '';
    let limiter = limiters.get(id);
    if (!limiter) limiters.set(id, (limiter = createRateLimiter(rateFor(sender))));
    return limiter;
  };
}
