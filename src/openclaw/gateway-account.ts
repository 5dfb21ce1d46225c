/**
 * The telephony account inside OpenClaw's Gateway (`gateway.startAccount`): serve's webhook pipeline
 * mounted on the Gateway's routes instead of its own port, with OpenClaw's agent and OpenClaw's
 * pairing store, until the Gateway stops the account. Loaded only when the Gateway starts it.
 */
import { setCommandHost } from '../command-prefix.js';
import { loadSettings } from '../config/settings.js';
import { formatLogText } from '../log.js';
import { COUNT_ONLY, createEventBus } from '../server/events.js';
import { startServe } from '../server/serve.js';
import { refuseUnsignedInGateway } from './gateway-guard.js';
import { createOpenClawAgent } from './openclaw-agent.js';
import { createOpenClawPairingHost } from './pairing-host.js';
import type { ChannelGatewayContext, PluginRuntime } from './sdk.js';
import type { WebhookRoutes } from './webhook-routes.js';

/** Serve's events worth a Gateway log line (the rest is the dashboard's). */
const WARNINGS = new Set(['warning', 'webhook.refused', 'webhook.error', 'agent.error', 'reply.failed']);

export async function runGatewayAccount<A>(ctx: ChannelGatewayContext<A>, runtime: PluginRuntime, routes: WebhookRoutes): Promise<void> {
  // Hints in the Gateway's log name the commands as they exist there: `openclaw telephony ...`.
  setCommandHost('openclaw');
  const base = { accountId: ctx.accountId, enabled: true, configured: true };
  ctx.setStatus({ ...ctx.getStatus(), ...base, running: true, lifecycle: 'starting', lastError: null });
  const events = createEventBus();
  events.subscribe(({ type, fields }) => {
    // Events only meant for /metrics stay out of the log, as in serve's.
    if (COUNT_ONLY.has(type)) return;
    // Message bodies stay out of the Gateway's log (the store keeps them, for store.retentionDays).
    const { body: _body, ...shown } = fields as Record<string, unknown>;
    const line = formatLogText(type, shown);
    if (WARNINGS.has(type)) ctx.log?.warn?.(line);
    else ctx.log?.info?.(line);
    if (type === 'sms.in') ctx.setStatus({ ...ctx.getStatus(), lastInboundAt: Date.now() });
    if (type === 'sms.out') ctx.setStatus({ ...ctx.getStatus(), lastOutboundAt: Date.now() });
  });
  let running: Awaited<ReturnType<typeof startServe>>;
  try {
    const settings = await loadSettings({});
    refuseUnsignedInGateway(settings.resolution.config.skipSignatureVerification);
    const agent = createOpenClawAgent({ cfg: ctx.cfg, runtime, accountId: ctx.accountId, warn: (m) => ctx.log?.warn?.(m) });
    running = await startServe(settings, {
      events,
      agent,
      pairingHost: createOpenClawPairingHost(runtime.channel.pairing, ctx.accountId),
      host: routes.host('the OpenClaw Gateway'),
      signal: ctx.abortSignal,
    });
    ctx.setStatus({ ...ctx.getStatus(), ...base, running: true, lifecycle: 'ready', lastStartAt: Date.now(), mode: running.signatures === 'verified' ? 'webhook' : 'webhook (signatures SKIPPED)', dmPolicy: settings.resolution.config.inboundPolicy });
  } catch (err) {
    ctx.setStatus({ ...ctx.getStatus(), ...base, running: false, lifecycle: 'blocked', lastError: (err as Error).message });
    throw err;
  }
  await new Promise<void>((resolve) => (ctx.abortSignal.aborted ? resolve() : ctx.abortSignal.addEventListener('abort', () => resolve(), { once: true })));
  await running.close();
  ctx.setStatus({ ...ctx.getStatus(), running: false, lifecycle: 'stopped', lastStopAt: Date.now() });
}
