/**
 * The account-wide limits every process sharing the store keeps together, on top of each sender's
 * rate: the cap on concurrent API requests (outbound.apiConcurrency, store/api-gate.ts), entered by
 * every request of the REST client, and the account's message rate (outbound.accountRate), joined to
 * each sender's limiter. `send`, batches, approvals and `serve` build their client and limiters here.
 */
import type { ResolvedConfig } from '../config/resolve.js';
import { createAccountGate } from '../store/api-gate.js';
import type { Store } from '../store/open-store.js';
import type { RequestGate } from '../twilio/rest-client.js';
import type { AccountRate } from './rate-limiter.js';

export function accountGate(store: Store, access: { accountSid: string }, config: ResolvedConfig): RequestGate {
  return createAccountGate(store, access.accountSid, { cap: config.outbound.apiConcurrency });
}

/** outbound.accountRate for the account being sent from, when it is set. */
export function accountRateOf(access: { accountSid: string }, config: ResolvedConfig): AccountRate | undefined {
  const rate = config.outbound.accountRate;
  return rate ? { accountSid: access.accountSid, ratePerSecond: rate } : undefined;
}
