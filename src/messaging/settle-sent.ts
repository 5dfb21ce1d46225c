/**
 * Recording a message Twilio made under a key. It is the one store write whose failure could make a
 * message go out twice: a key left pending with the message unrecorded is reconciled by whoever takes
 * it over. So a failed settle is tried again (it is idempotent: only this owner's pending key changes,
 * and a try that committed before its answer was lost is recognised by its SID), and if the store
 * still fails, the error says which message Twilio made, for the operator and the log. The key then
 * keeps its request's fence when it is let go (store/idempotency.ts RELEASE_*), so the next owner
 * watches Twilio's list for it rather than sending after a short look.
 */
import type { Logger } from '../log.js';
import { settleKey, type SettleOutcome } from '../store/idempotency.js';
import type { Store } from '../store/open-store.js';

/** Pauses before each retry: short, as the process holds the message in hand. */
export const SETTLE_RETRY_DELAYS_MS = [200, 1_000, 3_000] as const;

export interface SettleSentOptions {
  store: Store;
  key: string;
  owner: string;
  sid: string;
  result: unknown;
  sleep(ms: number): Promise<void>;
  logger: Logger;
}

export async function settleSent(o: SettleSentOptions): Promise<SettleOutcome> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await settleKey(o.store, o.key, o.owner, o.sid, o.result);
    } catch (err) {
      if (attempt >= SETTLE_RETRY_DELAYS_MS.length) {
        o.logger.event('twilio.sms.send', { key: o.key, outcome: 'settle-failed', sid: o.sid, error: (err as Error).message });
        throw withSentSid(err, o.sid);
      }
      await o.sleep(SETTLE_RETRY_DELAYS_MS[attempt]);
    }
  }
}

/** The store's error, keeping its kind and code (a batch stops on store_unavailable), saying what Twilio made. */
function withSentSid(err: unknown, sid: string): unknown {
  if (err instanceof Error) err.message += ` (Twilio made the message ${sid} before the store failed to record it: it is not sent again; a rerun finds it in Twilio's list)`;
  return err;
}
