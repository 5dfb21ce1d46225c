/**
 * The two hooks every Twilio route runs before its handler, in order: verify the signature, then
 * de-duplicate. They are Fastify preHandler hooks (after the body is parsed, since the signature
 * covers the form parameters), registered by each route plugin for its own routes; a WebSocket
 * upgrade route (media streams) registers `verifyHook` alone, which checks the URL-only signature.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { type Deduplicator, dedupKey, HandledElsewhere, type StoredAnswer } from '../dedup.js';
import type { Metrics } from '../metrics.js';
import { refuse, signedParams, type VerifyOptions, verifyTwilioRequest } from '../verify-signature.js';
import type { Emit } from '../events.js';
import type { InboundLimits } from '../inbound-limits.js';
import { answeredOverFailureBudget } from '../inbound-limits-http.js';
import { commandPrefix } from '../../command-prefix.js';

export interface WebhookHookDeps {
  verify: VerifyOptions;
  dedup: Deduplicator;
  metrics: Metrics;
  emit: Emit;
  limits: InboundLimits;
}

/** Twilio's form parameters (repeated keys as arrays), as the handlers read them. */
export const paramsOf = (req: FastifyRequest) => signedParams(req.body);

export function verifyHook(route: string, deps: WebhookHookDeps): preHandlerAsyncHookHandler {
  return async (req, reply) => {
    const failure = verifyTwilioRequest(req, deps.verify);
    if (!failure) return;
    deps.emit('webhook.unverified', { route });
    if (answeredOverFailureBudget(req, reply, deps)) return reply;
    deps.emit('webhook.refused', { route, reason: failure.reason, tried: failure.tried, hint: "publicUrl (or the tunnel URL) + path must be exactly the URL configured at Twilio, and the auth token the account's; `" + commandPrefix() + " doctor` explains more." });
    return refuse(reply);
  };
}

/** What the dedup hook leaves on a request it let through: how to hand the answer back. */
interface Pending {
  settle(answer: StoredAnswer): void;
  fail(err: Error): void;
  delivery: Promise<{ replayed: boolean; claimedBefore: boolean }>;
}
const pendingOf = new WeakMap<FastifyRequest, Pending>();

/**
 * One handler run per delivery: a copy (a retry, a replay, one racing the first) gets the first
 * answer and never reaches the handler. The handler's answer is stored before it is sent (onSend).
 */
export function dedupHooks(route: string, deps: WebhookHookDeps): { preHandler: preHandlerAsyncHookHandler; onSend(req: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> } {
  return {
    async preHandler(req, reply) {
      let settle!: (a: StoredAnswer) => void;
      let fail!: (e: Error) => void;
      const answered = new Promise<StoredAnswer>((resolve, reject) => ((settle = resolve), (fail = reject)));
      let handling!: () => void;
      const handlerRuns = new Promise<'handle'>((resolve) => (handling = () => resolve('handle')));
      const delivery = deps.dedup.once(dedupKey(req), route, () => (handling(), answered));
      let first: Awaited<typeof delivery> | 'handle';
      try {
        first = await Promise.race([delivery, handlerRuns]);
      } catch (err) {
        if (!(err instanceof HandledElsewhere)) throw err;
        // Not a second turn: the first delivery is handled there. Twilio does not retry a 503 unless the
        // URL's connection overrides ask for it; it calls the number's fallback URL, if one is set.
        deps.emit('webhook.busy', { route });
        deps.emit('warning', { message: `${route} webhook: ${err.message}; this copy was answered 503 (the first delivery is handled there; Twilio retries a 503 only when the URL's connection overrides or the fallback URL ask for it)` });
        return reply.code(503).header('retry-after', '5').type('text/plain').send('Service unavailable: another instance is handling this webhook');
      }
      if (first === 'handle') {
        pendingOf.set(req, { settle, fail, delivery });
        return;
      }
      deps.emit('webhook.replayed', { route });
      return reply.code(first.answer.status).type(first.answer.type).send(first.answer.body);
    },
    async onSend(req, reply, payload) {
      const pending = pendingOf.get(req);
      if (!pending) return payload;
      pendingOf.delete(req);
      if (reply.statusCode >= 500) {
        // Not stored: a later delivery (a retry the URL's connection overrides ask for, the fallback URL) is handled again (see dedup.ts).
        pending.fail(new Error(`answered ${reply.statusCode}`));
        await pending.delivery.catch(() => undefined);
        return payload;
      }
      pending.settle({ status: reply.statusCode, type: String(reply.getHeader('content-type') ?? 'text/plain'), body: String(payload ?? '') });
      const { claimedBefore } = await pending.delivery;
      deps.emit('webhook.handled', { route });
      if (claimedBefore) deps.emit('webhook.reclaimed', { route, why: 'an earlier delivery was claimed but not answered (it failed, or serve stopped mid-turn); handled now' });
      return payload;
    },
  };
}

/**
 * Verification then de-duplication for every route `instance` (a route plugin) registers; `beforeDedup`
 * runs between them (the status route's callback limit: a refused callback never reaches the store).
 */
export function useTwilioWebhookHooks(instance: FastifyInstance, route: string, deps: WebhookHookDeps, beforeDedup?: preHandlerAsyncHookHandler): void {
  const dedup = dedupHooks(route, deps);
  instance.addHook('preHandler', verifyHook(route, deps));
  if (beforeDedup) instance.addHook('preHandler', beforeDedup);
  instance.addHook('preHandler', dedup.preHandler);
  instance.addHook('onSend', dedup.onSend);
}
