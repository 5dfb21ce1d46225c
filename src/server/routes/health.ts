/** GET /healthz: whether the store answers and the tunnel (if any) is up; 503 when not, for a load balancer or a supervisor. */
import type { FastifyPluginAsync } from 'fastify';
import type { RouteDeps } from './deps.js';

export const healthRoutes: FastifyPluginAsync<RouteDeps> = async (app, deps) => {
  app.get('/healthz', async (_req, reply) => {
    const tunnel = deps.tunnelState();
    let store = 'ok';
    try {
      await deps.store.db.selectFrom('events').select('id').limit(1).execute();
    } catch {
      store = 'unavailable';
    }
    const ok = store === 'ok' && tunnel !== 'down';
    return reply.code(ok ? 200 : 503).send({ ok, store, tunnel });
  });
};
