/**
 * What one failed attempt to create a message says about Twilio's side, which is all the delivery
 * loop (deliver.ts) needs to choose between giving up, retrying, and looking in Twilio's list first.
 */
import { KeyInFlightError, NetworkError, RequestNotMadeError, TwilioApiError } from '../errors.js';

export type AttemptVerdict =
  /** No request left this process (the key was lost, a stop, no API slot in time). */
  | { kind: 'not-made'; err: KeyInFlightError | RequestNotMadeError }
  /** Refused for good. `byTwilio`: Twilio's own error document says so, so nothing was created. */
  | { kind: 'refused'; err: TwilioApiError; byTwilio: boolean }
  /** Nothing was created (429; Twilio's own 503; no connection was made): retry after a pause. */
  | { kind: 'not-created'; err: TwilioApiError | NetworkError }
  /**
   * The request may have taken effect: no answer (a timeout, a reset after it was written), or a 5xx
   * that Twilio did not explain (a gateway's 502/504, Twilio's 500). Look in the list before resending.
   */
  | { kind: 'unknown'; err: TwilioApiError | NetworkError };

export function classifyAttemptError(err: unknown): AttemptVerdict | undefined {
  if (err instanceof KeyInFlightError || err instanceof RequestNotMadeError) return { kind: 'not-made', err };
  if (err instanceof NetworkError) return err.notSent ? { kind: 'not-created', err } : { kind: 'unknown', err };
  if (!(err instanceof TwilioApiError)) return undefined; // not an API outcome (a store failure): the caller rethrows it
  if (err.status === 429 || (err.status === 503 && err.documented)) return { kind: 'not-created', err };
  if (err.status >= 500) return { kind: 'unknown', err };
  return { kind: 'refused', err, byTwilio: err.documented };
}
