/**
 * How long and how much the webhook server waits for a client. Twilio sends a whole webhook at once
 * and gives up on an answer after 15 s, so a request still arriving after a few seconds is not
 * Twilio's, and a socket held open longer than an answer can matter only ties up the server.
 */
export const WEBHOOK_LIMITS = {
  /** Largest body accepted (413 above it); Twilio's webhooks are a few KiB. */
  bodyBytes: 64 * 1024,
  /** Headers must have arrived by then. */
  headersTimeoutMs: 5_000,
  /** The whole request (headers and body) must have arrived by then: a stalled body is closed. */
  requestTimeoutMs: 5_000,
  /** How often Node checks the two limits above (its default, 30 s, would let a stall live 35 s). */
  timeoutCheckIntervalMs: 1_000,
  /** An idle kept-alive connection is closed after this. */
  keepAliveTimeoutMs: 5_000,
  /** A socket with no traffic at all is closed after this; longer than any answer (replyTimeoutMs is at most 14 s). */
  idleSocketTimeoutMs: 20_000,
  /** Connections beyond this are dropped at once, so a flood cannot exhaust file descriptors. */
  maxConnections: 1_000,
} as const;
