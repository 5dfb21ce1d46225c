/**
 * GET /healthz: whether the store takes writes (not locked by another process, no recent write
 * failure such as a full disk) and the tunnel (if any) is up; 503 when not, for a load balancer or a
 * supervisor. It answers from the event loop's free time, so it answers while the store is stuck.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { RouteDeps } from './deps.js';

export const healthRoutes: FastifyPluginAsync<RouteDeps> = async (app, deps) => {
  app.get('/healthz', async (_req, reply) => {
    const tunnel = deps.tunnelState();
    const health = await deps.store.health().catch((err: Error) => ({ state: 'unavailable' as const, detail: err.message }));
    const ok = health.state === 'ok' && tunnel !== 'down';
    return reply.code(ok ? 200 : 503).send({ ok, store: health.state, ...('detail' in health ? { storeDetail: health.detail } : {}), tunnel });
  });
};
