/**
 * The limits on what a process sends, built once per process over its store so that every process
 * sharing the store keeps them together: each sender's rate (sms.rate or Twilio's for its kind, or
 * --rate), the account's message rate joined to it (outbound.accountRate), and the cap on the
 * account's concurrent API requests (outbound.apiConcurrency, store/api-gate.ts), which the REST
 * client enters for every request. `send`, batches, approvals and `serve` build theirs here.
 */
import type { ResolvedConfig } from '../config/resolve.js';
import { createAccountGate } from '../store/api-gate.js';
import type { Store } from '../store/open-store.js';
import type { RequestGate } from '../twilio/rest-client.js';
import { type AccountRate, createLimiterPool, type RateLimiter, type Sender, senderRate } from './rate-limiter.js';

export type { Sender };

export interface SendLimits {
  /** For the REST client: every request waits for one of the account's slots. */
  gate: RequestGate;
  rateFor(sender: Sender): number;
  /** The sender's limiter (joined to the account's rate when one is set), one per sender. */
  limiterFor(sender: Sender): RateLimiter;
}

export function sendLimits(store: Store, access: { accountSid: string }, config: ResolvedConfig, rateOverride?: number): SendLimits {
  const rateFor = (sender: Sender) => senderRate(config.sms, sender, rateOverride);
  const accountRate: AccountRate | undefined = config.outbound.accountRate ? { accountSid: access.accountSid, ratePerSecond: config.outbound.accountRate } : undefined;
  return {
    gate: createAccountGate(store, access.accountSid, { cap: config.outbound.apiConcurrency }),
    rateFor,
    limiterFor: createLimiterPool(rateFor, store, accountRate),
  };
}
