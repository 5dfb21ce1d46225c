/**
 * Ids that must be unique but need not be secret: the idempotency key of a send given none, a log
 * correlation id, the random part of a claim owner id. Made from Math.random, not node:crypto, which
 * Node 20 compiles with its ~15 internal modules on every start (~2 ms of a one-message send to the
 * sandbox; a send to Twilio loads it anyway, for TLS).
 *
 * Why Math.random is enough here: V8 seeds each process's generator (xorshift128+) from Node's entropy
 * source, OpenSSL's CSPRNG, with 64 random bits, so two processes (on one machine or many) draw the
 * same numbers only if those seeds collide. Its output is predictable to someone who has seen earlier
 * output, which matters for secrets (tokens, signatures: those keep node:crypto) and not for these ids,
 * which are printed and stored anyway. Idempotency keys are UUIDs version 7 (RFC 9562): a millisecond
 * timestamp and 74 random bits, so two keys collide only when made in the same millisecond by
 * processes whose seeds collided (~2^-64) or whose 74 bits did (~2^-74).
 */

/** `digits` random lowercase hex digits. */
export function randomHex(digits: number): string {
  let out = '';
  // 2^32 per draw: Math.random's 52 bits hold 32 uniform ones.
  while (out.length < digits) out += Math.floor(Math.random() * 2 ** 32).toString(16).padStart(8, '0');
  return out.slice(0, digits);
}

/** A UUID version 7 (RFC 9562, 5.7): 48 bits of Unix milliseconds, version 7, 12 random bits, the variant 10, 62 random bits. */
export function uuidV7(nowMs = Date.now()): string {
  const time = nowMs.toString(16).padStart(12, '0').slice(-12);
  const variant = (8 + Math.floor(Math.random() * 4)).toString(16);
  const random = randomHex(15);
  return `${time.slice(0, 8)}-${time.slice(8)}-7${randomHex(3)}-${variant}${random.slice(0, 3)}-${random.slice(3)}`;
}
