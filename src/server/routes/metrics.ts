/** GET /metrics: the counters and turn latencies in Prometheus text format. */
import type { FastifyPluginAsync } from 'fastify';
import type { RouteDeps } from './deps.js';

export const metricsRoutes: FastifyPluginAsync<RouteDeps> = async (app, deps) => {
  app.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4').send(deps.metrics.render()));
};
