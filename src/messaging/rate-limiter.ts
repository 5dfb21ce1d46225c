/**
 * A token bucket per sender, one token a slot: each `take` reserves the next free slot at the
 * sender's rate and waits for it. Slots follow the nominal schedule, so a late timer catches up and
 * the average rate holds; a taken slot's `refund` hands it back when the request was refused (429).
 * The in-process limiter serves one process; the store's limiter shares one schedule between every
 * process (and, on PostgreSQL, every machine) that uses the store, and under the schedule a hard cap:
 * never more than the rate in any one-second window, however late some process woke (rate-window.ts).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Store } from '../store/open-store.js';
import { ensureJointRows, refundJointSlot, reserveJointSlot } from '../store/account-rate-slots.js';
import { refundSlot, reserveSlot } from '../store/rate-slots.js';
import { storeWindows } from './rate-windows.js';
import { type NumberKind, NUMBER_RATES, numberKindOf, SERVICE_RATE } from '../twilio/sender-kinds.js';

/** A slot whose time has come. */
export interface TakenSlot {
  /**
   * Waits, if need be, until one more send fits the sender's one-second window; called last, once the
   * request has everything else it waits for (its API slot), so nothing that takes time comes between
   * the admission and the request. A stop (`signal`) during the wait rejects; the caller then gives
   * the slot back (`refund`), as for any request not made.
   */
  admit(signal?: AbortSignal): Promise<void>;
  /**
   * The admitted request's answer (or its failure) came back: the send counts in the sender's window
   * from now, when the API has surely seen it (rate-window.ts says why). Never rejects: if the store
   * cannot record it, the send keeps counting from a time ahead of any answer, which only waits longer.
   */
  answered(): Promise<void>;
  /** The API refused the request (429), or it was not made: the slot goes back to the sender's rate. */
  refund(): Promise<void> | void;
}

export interface RateLimiter {
  /**
   * Reserves the next slot and waits for it. When `signal` aborts during the wait, the slot is given
   * back and the promise rejects (the signal's reason): the caller has not sent and must not send.
   */
  take(signal?: AbortSignal): Promise<TakenSlot>;
  readonly ratePerSecond: number;
}

export function createRateLimiter(ratePerSecond: number, now = () => performance.now()): RateLimiter {
  const interval = 1000 / ratePerSecond;
  let next = 0;
  const refund = () => {
    next = Math.max(now(), next - interval);
  };
  return {
    ratePerSecond,
    async take(signal) {
      signal?.throwIfAborted();
      const t = now();
      const slot = Math.max(t, next);
      next = slot + interval;
      if (slot > t) await waitForSlot(slot - t, signal, refund);
      return { admit: async () => {}, answered: async () => {}, refund };
    },
  };
}

/** Waits `ms` for a reserved slot; a stop during the wait hands the slot back and rejects. */
async function waitForSlot(ms: number, signal: AbortSignal | undefined, refund: () => Promise<void> | void): Promise<void> {
  try {
    await delay(ms, undefined, signal ? { signal } : undefined);
  } catch (err) {
    await refund();
    throw signal?.aborted ? signal.reason : err;
  }
}

/** A limiter whose schedule and window live in the store, shared by every process sending from this sender. */
export function createStoreRateLimiter(store: Store, senderId: string, ratePerSecond: number): RateLimiter {
  const interval = 1000 / ratePerSecond;
  const window = storeWindows(store, [{ key: senderId, ratePerSecond }]);
  const refund = () => refundSlot(store, senderId, interval);
  return {
    ratePerSecond,
    async take(signal) {
      signal?.throwIfAborted();
      await window.prepared();
      const wait = await reserveSlot(store, senderId, interval);
      if (wait > 0) await waitForSlot(wait, signal, refund);
      return window.slot(refund);
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

/** The account's own message rate (outbound.accountRate), over all its senders. */
export interface AccountRate {
  accountSid: string;
  ratePerSecond: number;
}

/**
 * A sender's limiter that also keeps its account's rate: each slot is free on both schedules in the
 * store (account-rate-slots.ts), so a send waits for both and neither rate is exceeded.
 */
export function createAccountStoreRateLimiter(store: Store, senderId: string, ratePerSecond: number, account: AccountRate): RateLimiter {
  const joint = { sender: senderId, account: `account:${account.accountSid}`, senderIntervalMs: 1000 / ratePerSecond, accountIntervalMs: 1000 / account.ratePerSecond };
  const window = storeWindows(store, [{ key: senderId, ratePerSecond }, { key: joint.account, ratePerSecond: account.ratePerSecond }]);
  const refund = () => refundJointSlot(store, joint);
  let rows: Promise<void> | undefined;
  return {
    ratePerSecond: Math.min(ratePerSecond, account.ratePerSecond),
    async take(signal) {
      signal?.throwIfAborted();
      // The rows are created once; a failure is tried again on the next take.
      await (rows ??= ensureJointRows(store, joint).catch((err: unknown) => {
        rows = undefined;
        throw err;
      }));
      await window.prepared();
      const wait = await reserveJointSlot(store, joint);
      if (wait > 0) await waitForSlot(wait, signal, refund);
      return window.slot(refund);
    },
  };
}

/**
 * One limiter per sender, shared by everything a process sends from it; with a store, shared by every
 * process using that store too, and with an account rate, joined to the account's schedule.
 */
export function createLimiterPool(rateFor: (sender: Sender) => number, store?: Store, account?: AccountRate): (sender: Sender) => RateLimiter {
  const limiters = new Map<string, RateLimiter>();
  const create = (id: string, rate: number) => (!store ? createRateLimiter(rate) : account ? createAccountStoreRateLimiter(store, id, rate, account) : createStoreRateLimiter(store, id, rate));
  return (sender) => {
    const id = sender.messagingServiceSid ?? sender.from ?? '';
    let limiter = limiters.get(id);
    if (!limiter) limiters.set(id, (limiter = create(id, rateFor(sender))));
    return limiter;
  };
}
