/**
 * The one retry policy for calls to Twilio: the REST client's own retries and the delivery loop's
 * (429/503 and lost answers) wait the same way, so a change of policy is made here once.
 */

/** First wait, doubled each attempt up to the cap. */
const BASE_MS = 250;
const CAP_MS = 10_000;

/**
 * How long to wait before retry number `attempt + 1`: exponential with "equal jitter" (between half
 * and all of the step, so many clients that failed together do not retry together), and never
 * sooner than the server's Retry-After.
 */
export function retryDelayMs(attempt: number, retryAfterMs = 0, random: () => number = Math.random): number {
  const step = Math.min(CAP_MS, BASE_MS * 2 ** attempt);
  return Math.max(retryAfterMs, Math.round(step / 2 + random() * (step / 2)));
}

/** The real wait; tests inject their own to record delays instead. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
