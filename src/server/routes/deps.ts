/** What the route plugins of `serve` share. */
import type { ResolvedConfig } from '../../config/resolve.js';
import type { Store } from '../../store/open-store.js';
import type { WebhookHookDeps } from '../hooks/twilio-webhook.js';
import type { InboundDeps } from '../inbound-sms.js';

export interface RouteDeps extends WebhookHookDeps {
  config: ResolvedConfig;
  store: Store;
  inbound: InboundDeps;
  /** 'none' without a tunnel. */
  tunnelState(): 'up' | 'down' | 'none';
}
