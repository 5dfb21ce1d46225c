/**
 * The Fastify app of `serve`: every webhook route goes through the same steps, in order: verify the
 * signature, de-duplicate, then handle. Bodies over 64 KiB are refused (413).
 */
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyServerOptions, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ResolvedConfig } from '../config/resolve.js';
import { appendEvent } from '../store/events.js';
import type { Store } from '../store/open-store.js';
import { type Deduplicator, dedupKey, type StoredAnswer } from './dedup.js';
import { handleInboundSms, type InboundDeps, one } from './inbound-sms.js';
import { WEBHOOK_LIMITS } from './limits.js';
import type { Metrics } from './metrics.js';
import { messagingResponse } from './twiml.js';
import { refuse, signedParams, type VerifyOptions, verifyTwilioRequest } from './verify-signature.js';

export interface ServeAppOptions {
  config: ResolvedConfig;
  store: Store;
  verify: VerifyOptions;
  dedup: Deduplicator;
  inbound: InboundDeps;
  metrics: Metrics;
  /** 'none' without a tunnel. */
  tunnelState(): 'up' | 'down' | 'none';
  log(event: string, fields: Record<string, unknown>): void;
}


export async function createServeApp(o: ServeAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: WEBHOOK_LIMITS.bodyBytes,
    logger: false,
    requestTimeout: WEBHOOK_LIMITS.requestTimeoutMs,
    keepAliveTimeout: WEBHOOK_LIMITS.keepAliveTimeoutMs,
    connectionTimeout: WEBHOOK_LIMITS.idleSocketTimeoutMs,
    http: { headersTimeout: WEBHOOK_LIMITS.headersTimeoutMs, connectionsCheckingInterval: WEBHOOK_LIMITS.timeoutCheckIntervalMs },
  } as FastifyServerOptions);
  app.server.maxConnections = WEBHOOK_LIMITS.maxConnections;
  await app.register(formbody);
  // JSON webhooks are signed over the raw body (bodySHA256), so keep it.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    (req as FastifyRequest & { rawBody?: string }).rawBody = body as string;
    try {
      done(null, JSON.parse(body as string));
    } catch {
      // Malformed input is the sender's mistake (or an attack), not ours: 400, counted as refused.
      done(Object.assign(new Error('the body is not valid JSON'), { statusCode: 400 }), undefined);
    }
  });

  // An absolute-form request target (`POST http://evil.example/...`) is a proxy request, never Twilio's.
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith('/')) return;
    o.metrics.count('webhooks_refused_total', { reason: 'request_target' });
    o.log('webhook.refused', { route: 'unknown', reason: 'the request target is not a path (absolute-form or malformed)' });
    return reply.code(400).type('text/plain').send('Bad request target');
  });

  // A failure inside a route answers 500 (Twilio retries, and de-duplication keeps it to one turn) and leaves a trace.
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) {
      o.metrics.count('webhook_errors_total');
      o.log('webhook.error', { path: req.url.split('?')[0], error: err.message });
    } else {
      // Bad input (malformed body, wrong content type, too large) is refused, not an error of ours.
      o.metrics.count('webhooks_refused_total', { reason: String(status) });
      o.log('webhook.refused', { route: req.routeOptions.url ?? 'unknown', reason: err.message });
    }
    return reply.code(status).type('text/plain').send(status === 413 ? 'Payload too large' : status >= 500 ? 'Internal error' : err.message);
  });

  /** Verify, then run `handle` once per delivery. */
  const webhook = (route: string, handle: (params: Record<string, string | string[]>) => Promise<StoredAnswer>) => async (req: FastifyRequest, reply: FastifyReply) => {
    const failure = verifyTwilioRequest(req, o.verify);
    if (failure) {
      o.metrics.count('webhook_verification_failures_total', { route });
      o.log('webhook.refused', { route, reason: failure.reason, tried: failure.tried, hint: 'publicUrl (or the tunnel URL) + path must be exactly the URL configured at Twilio, and the auth token the account\'s; `openclaw telephony doctor` explains more.' });
      return refuse(reply);
    }
    const { answer, replayed, claimedBefore } = await o.dedup.once(dedupKey(req), route, () => handle(signedParams(req.body)));
    o.metrics.count('webhooks_total', { route, outcome: replayed ? 'replayed' : 'handled' });
    if (replayed) o.log('webhook.replayed', { route });
    if (claimedBefore) o.log('webhook.reclaimed', { route, why: 'an earlier delivery was claimed but not answered (it failed, or serve stopped mid-turn); handled now' });
    return reply.code(answer.status).type(answer.type).send(answer.body);
  };

  app.post(o.config.serve.path, webhook('inbound', async (p) => {
    if (p.CallSid && !p.MessageSid && !p.SmsSid) {
      // Voice joins this server with the voice work; until then calls are turned away cleanly.
      o.log('voice.rejected', { from: one(p.From) });
      return { status: 200, type: 'text/xml', body: '<?xml version="1.0" encoding="UTF-8"?><Response><Reject reason="busy"/></Response>' };
    }
    return handleInboundSms(p, o.inbound);
  }));

  app.post(o.config.serve.statusPath, webhook('status', async (p) => {
    const sid = one(p.MessageSid) || one(p.SmsSid) || one(p.CallSid);
    const status = one(p.MessageStatus) || one(p.SmsStatus) || one(p.CallStatus);
    const errorCode = Number(one(p.ErrorCode)) || null;
    await o.store.db.updateTable('messages').set({ status, error_code: errorCode, updated_at: new Date().toISOString() }).where('sid', '=', sid).execute();
    await appendEvent(o.store, 'status.callback', sid, { status, errorCode });
    o.log('status', { sid, status, ...(errorCode ? { errorCode } : {}) });
    return { status: 200, type: 'text/xml', body: messagingResponse([]) };
  }));

  app.get('/healthz', async (_req, reply) => {
    const tunnel = o.tunnelState();
    let store = 'ok';
    try {
      await o.store.db.selectFrom('events').select('id').limit(1).execute();
    } catch {
      store = 'unavailable';
    }
    const ok = store === 'ok' && tunnel !== 'down';
    return reply.code(ok ? 200 : 503).send({ ok, store, tunnel });
  });
  app.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4').send(o.metrics.render()));
  return app;
}
