/**
 * The telephony channel's routes on the Gateway's HTTP server. OpenClaw's SDK registers HTTP routes
 * while it loads the plugin (`api.registerHttpRoute`), before any account runs, so the routes are
 * registered then and answered by whatever webhook app the running account mounted (serve's app:
 * signature check, de-duplication, the inbound policy, the store). Without one they answer 503 and
 * Twilio tries again.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { findLeaf } from '../config/schema.js';
import type { WebhookHost } from '../server/serve-steps.js';
import type { OpenClawConfig, PluginHttpRoute } from './sdk.js';

type Handle = (req: IncomingMessage, res: ServerResponse) => void;

const ROUTE_KEYS = ['serve.path', 'serve.voicePath', 'serve.statusPath'] as const;

/** A serve.* path as channels.telephony sets it, else its default. */
function servePath(cfg: OpenClawConfig, key: string): string {
  const section = cfg.channels?.telephony as { serve?: Record<string, unknown> } | undefined;
  const set = section?.serve?.[key.slice('serve.'.length)];
  return typeof set === 'string' && set.startsWith('/') ? set : String(findLeaf(key)!.default);
}

/** serve.path, serve.voicePath and serve.statusPath as channels.telephony sets them, else their defaults. */
export function webhookPaths(cfg: OpenClawConfig): string[] {
  return ROUTE_KEYS.map((key) => servePath(cfg, key));
}

/** serve.mediaPath (without a trailing slash): local files sent as MMS are served under it for Twilio to fetch. */
export function mediaPath(cfg: OpenClawConfig): string {
  return servePath(cfg, 'serve.mediaPath').replace(/\/+$/, '') || '/';
}

export interface WebhookRoutes {
  /**
   * The exact webhook paths, and the media path as a prefix (its URLs end in a random token): serve
   * publishes the Gateway's URL as its media host, so Twilio fetches MMS files from the Gateway too.
   */
  routes(paths: readonly string[], mediaPrefix?: string): PluginHttpRoute[];
  /** What the running account mounts its app on (serve's `host` option). */
  host(url: string): WebhookHost;
}

export function createWebhookRoutes(): WebhookRoutes {
  let mounted: Handle | undefined;
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const handle = mounted;
    if (!handle) {
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5' }).end('The telephony channel is not running on this Gateway.');
      return true;
    }
    // Answered when the app has written the whole response (or the connection went away).
    await new Promise<void>((resolve) => {
      res.once('close', resolve);
      handle(req, res);
    });
    return true;
  };
  // Twilio only reads media (GET, and HEAD to check it); anything else never reaches the app.
  const mediaHandler = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET' || req.method === 'HEAD') return handler(req, res);
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('Media URLs are only read (GET or HEAD).');
    return true;
  };
  return {
    routes: (paths, mediaPrefix) => [
      ...[...new Set(paths)].map((path): PluginHttpRoute => ({ path, auth: 'plugin', match: 'exact', handler })),
      ...(mediaPrefix ? [{ path: mediaPrefix, auth: 'plugin', match: 'prefix', handler: mediaHandler } satisfies PluginHttpRoute] : []),
    ],
    host: (url) => ({
      url,
      mount(handle) {
        mounted = handle;
        return () => {
          if (mounted === handle) mounted = undefined;
        };
      },
    }),
  };
}
