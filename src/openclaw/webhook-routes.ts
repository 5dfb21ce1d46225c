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

/** serve.path, serve.voicePath and serve.statusPath as channels.telephony sets them, else their defaults. */
export function webhookPaths(cfg: OpenClawConfig): string[] {
  const section = cfg.channels?.telephony as { serve?: Record<string, unknown> } | undefined;
  return ROUTE_KEYS.map((key) => {
    const set = section?.serve?.[key.slice('serve.'.length)];
    return typeof set === 'string' && set.startsWith('/') ? set : String(findLeaf(key)!.default);
  });
}

export interface WebhookRoutes {
  routes(paths: readonly string[]): PluginHttpRoute[];
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
  return {
    routes: (paths) => [...new Set(paths)].map((path) => ({ path, auth: 'plugin', match: 'exact', handler })),
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
