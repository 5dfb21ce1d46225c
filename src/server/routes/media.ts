/**
 * GET (and HEAD) `serve.mediaPath`/<token>: a local file sent as MMS, for Twilio to fetch. Twilio
 * fetches media plainly (no signature, no credentials), so the URL's token is the only guard: 256
 * random bits, looked up by its SHA-256 through the store's primary key (only files `send` or serve
 * registered exist there: no path of a request ever reaches the file system), and 404 once expired.
 * The token never reaches a log or an error: failures are reported without the path.
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { findOutboundMedia } from '../../store/outbound-media.js';
import type { RouteDeps } from './deps.js';

/** What hostMedia() issues: 32 random bytes in base64url. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

const notFound = (reply: FastifyReply) => reply.code(404).header('cache-control', 'no-store').type('text/plain').send('Not found');

export const mediaRoutes: FastifyPluginAsync<RouteDeps> = async (app, deps) => {
  const prefix = deps.config.serve.mediaPath.replace(/\/+$/, '');
  // Fastify answers HEAD from this GET route too (headers, no body), as Twilio's HEAD check expects.
  app.get<{ Params: { token: string } }>(`${prefix}/:token`, async (req, reply) => {
    const { token } = req.params;
    if (!TOKEN_SHAPE.test(token)) {
      deps.emit('media.fetch', { outcome: 'not_found' });
      return notFound(reply);
    }
    let media;
    try {
      media = await findOutboundMedia(deps.store, token);
    } catch (err) {
      deps.emit('media.fetch', { outcome: 'error' });
      deps.emit('warning', { message: `serving an MMS media file failed: the store did not answer (${(err as Error).message})` });
      return reply.code(503).header('retry-after', '1').type('text/plain').send('Service unavailable');
    }
    if (!media) {
      deps.emit('media.fetch', { outcome: 'not_found' });
      return notFound(reply);
    }
    deps.emit('media.fetch', { outcome: 'served' });
    const bytes = Buffer.isBuffer(media.bytes) ? media.bytes : Buffer.from(media.bytes);
    return reply
      .code(200)
      .header('content-type', media.contentType)
      .header('content-length', String(bytes.length))
      .header('content-disposition', `inline; filename="${media.filename}"`)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .send(bytes);
  });
};
