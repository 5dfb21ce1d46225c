/**
 * Twilio's sender kinds and their documented per-sender message rates: one table for the product's
 * rate limiter and the sandbox's pacing, so the two cannot drift apart.
 */

/** What a phone number is as a sender, read from its shape. */
export type NumberKind = 'longcode' | 'tollfree' | 'shortcode';

/** US/Canada toll-free prefixes (NANP 8XX). */
const TOLL_FREE = /^\+1(800|833|844|855|866|877|888)\d{7}$/;
/** Short codes are 5 or 6 digits, written without a +. */
const SHORT_CODE = /^\d{5,6}$/;

export function numberKindOf(phone: string): NumberKind {
  if (SHORT_CODE.test(phone)) return 'shortcode';
  if (TOLL_FREE.test(phone)) return 'tollfree';
  return 'longcode';
}

/** Messages per second Twilio sends from one number of each kind (its queue paces the rest). */
export const NUMBER_RATES: Readonly<Record<NumberKind, number>> = Object.freeze({ longcode: 1, tollfree: 3, shortcode: 100 });

/**
 * The product's planning rate for a Messaging Service, which spreads over a pool it cannot see;
 * the sandbox, which knows the pool, paces a service at the sum of its numbers' rates instead.
 */
export const SERVICE_RATE = 10;
