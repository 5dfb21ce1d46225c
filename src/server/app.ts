/**
 * The Fastify app of `serve`: the server-wide limits, body parsers and error handling, then one plugin
 * per route file under routes/. Each Twilio route plugin runs the same hooks before its handler:
 * verify the signature, then de-duplicate (hooks/twilio-webhook.ts).
 */
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import { answeredOverFailureBudget } from './inbound-limits-http.js';
import { WEBHOOK_LIMITS } from './limits.js';
import type { RouteDeps } from './routes/deps.js';
import { healthRoutes } from './routes/health.js';
import { mediaRoutes } from './routes/media.js';
import { metricsRoutes } from './routes/metrics.js';
import { smsRoutes } from './routes/sms.js';
import { statusRoutes } from './routes/status.js';
import { voiceRoutes } from './routes/voice.js';

export type ServeAppOptions = RouteDeps;

/** A lock held elsewhere, a full disk, an I/O error, a database that does not answer: not a bug of the route. */
function isStoreUnavailable(err: Error & { code?: unknown }): boolean {
  const code = typeof err.code === 'string' ? err.code : '';
  // store_unavailable: the PostgreSQL server did not answer in time (postgres-timeouts.ts); the rest as the drivers say it
  // (pg's messages for a connection the server ended: a restart, a failover, a proxy's idle timeout).
  return /^SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CANTOPEN)/.test(code) || /^(store_unavailable|ECONNREFUSED|ECONNRESET|57014|57P01|53300|08\w\w\w)$/.test(code) || /^(Query read timeout|Connection terminated unexpectedly|Client has encountered a connection error and is not queryable)$/.test(err.message);
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
    o.emit('webhook.rejected', { reason: 'request_target' });
    if (answeredOverFailureBudget(req, reply, o)) return reply;
    o.emit('webhook.refused', { route: 'unknown', reason: 'the request target is not a path (absolute-form or malformed)' });
    return reply.code(400).type('text/plain').send('Bad request target');
  });

  // A failure inside a route answers 500 (a later delivery, if Twilio makes one, is de-duplicated to one turn) and leaves a trace.
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    if (isStoreUnavailable(err)) {
      // Answered fast (well under Twilio's 15 s) so Twilio's retry or fallback can take over; /healthz says why.
      o.emit('webhook.error', { path: req.url.split('?')[0], error: `the store cannot take writes now: ${err.message}`, storeUnavailable: true });
      return reply.code(503).header('retry-after', '1').type('text/plain').send('Service unavailable: the store is busy or failing');
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) {
      o.emit('webhook.error', { path: req.url.split('?')[0], error: err.message });
    } else {
      // Bad input (malformed body, wrong content type, too large) is refused, not an error of ours.
      o.emit('webhook.rejected', { reason: String(status) });
      if (answeredOverFailureBudget(req, reply, o)) return reply;
      o.emit('webhook.refused', { route: req.routeOptions.url ?? 'unknown', reason: err.message });
    }
    return reply.code(status).type('text/plain').send(status === 413 ? 'Payload too large' : status >= 500 ? 'Internal error' : err.message);
  });

  for (const routes of [smsRoutes, voiceRoutes, statusRoutes, mediaRoutes, healthRoutes, metricsRoutes]) await app.register(routes, o);
  return app;
}
