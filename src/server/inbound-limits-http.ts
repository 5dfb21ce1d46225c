/**
 * The inbound limits (inbound-limits.ts) at the HTTP edge: the client address a failed request counts
 * against, the quiet 429 above the failed-request budget, and the status-callback fuse.
 *
 * Why these answers: a failed request over its budget gets 429 and no log line or dashboard line of its
 * own (counted in /metrics, said once per window), because a flood of forged requests must not become
 * a flood of log lines; valid signed requests never count against it, so a forger behind the same
 * proxy cannot shut Twilio out. Status callbacks over the cap get 429 with Retry-After before they
 * touch the store: Twilio does not retry a 429 by default, and a state missed this way is read back
 * with `messages get` (the cap is a fuse against overload, far above a number's real callback rate).
 */
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { InboundLimits, LimitName } from './inbound-limits.js';
import type { VerifyOptions } from './verify-signature.js';

export interface LimitDeps {
  limits: InboundLimits;
  verify: Pick<VerifyOptions, 'trustForwardingHeaders' | 'trustedProxies'>;
}

/**
 * The address a request came from: the socket's, or, from a trusted proxy (webhookSecurity), the last
 * X-Forwarded-For entry that is not itself a trusted proxy.
 */
export function clientAddress(req: FastifyRequest, verify: LimitDeps['verify']): string {
  const socket = req.socket.remoteAddress ?? 'unknown';
  const forwarded = req.headers['x-forwarded-for'];
  if (!verify.trustForwardingHeaders || !verify.trustedProxies.includes(socket) || typeof forwarded !== 'string') return socket;
  const hops = forwarded.split(',').map((h) => h.trim()).filter(Boolean);
  while (hops.length > 1 && verify.trustedProxies.includes(hops[hops.length - 1])) hops.pop();
  return hops[hops.length - 1] ?? socket;
}

function tooMany(reply: FastifyReply, limits: InboundLimits, limit: LimitName): FastifyReply {
  return reply.code(429).header('retry-after', String(limits.retryAfterSeconds(limit))).type('text/plain').send('Too many requests');
}

/**
 * Counts a failed request against its address. Within the budget, returns false: answer and report
 * it as usual. Above it, answers 429 and returns true: the caller reports nothing more.
 */
export function answeredOverFailureBudget(req: FastifyRequest, reply: FastifyReply, deps: LimitDeps): boolean {
  if (deps.limits.failedRequest(clientAddress(req, deps.verify))) return false;
  tooMany(reply, deps.limits, 'failed');
  return true;
}

/** preHandler of the status route, after verification and before de-duplication (which writes to the store). */
export function statusCallbackLimitHook(deps: LimitDeps): preHandlerAsyncHookHandler {
  return async (_req, reply) => {
    if (!deps.limits.admitStatusCallback()) return tooMany(reply, deps.limits, 'callbacks');
  };
}
