/**
 * `serve`: opens the store, picks the agent, starts the Fastify app, and (with --sandbox) starts or
 * joins the sandbox and points its number at this server, restoring it on the way out. Returns a
 * handle whose close() stops accepting, finishes turns in flight and flushes the store.
 */
import type { AddressInfo } from 'node:net';
import { createAgent } from '../agent/agent.js';
import { drainOrAbandon } from '../agent/drain.js';
import type { Settings } from '../config/settings.js';
import { ConfigError, CredentialsError, UserError } from '../errors.js';
import { type DeliverDeps, deliverMessage } from '../messaging/deliver.js';
import { createLimiterPool, type Sender, senderRate } from '../messaging/rate-limiter.js';
import { textPolicyFrom } from '../messaging/send-text.js';
import { silentLogger } from '../log.js';
import { locateSandbox } from '../discovery/sandbox-registry.js';
import { startRegisteredSandbox } from '../discovery/start-sandbox.js';
import type { Sandbox } from '../sandbox/server.js';
import { openStore } from '../store/open-store.js';
import { createTwilioClient, fetchSandboxAccount, resolveTwilioAccess } from '../twilio/access.js';
import { configureNumber, findNumber, type NumberUrls } from '../twilio/numbers-api.js';
import { createServeApp } from './app.js';
import { createDeduplicator } from './dedup.js';
import { createInboundPolicy } from './inbound-policy.js';
import { createMetrics } from './metrics.js';
import { createOperator, type Operator } from './operator.js';
import { openTunnel, type Tunnel } from '../tunnel/tunnel.js';

export interface ServeOptions {
  port?: number;
  bind?: string;
  publicUrl?: string;
  sandbox?: boolean;
  /** Point the number's SmsUrl, VoiceUrl and StatusCallback here, and restore them on exit. */
  configureNumber?: boolean;
  /** Overrides tunnel.provider. */
  tunnel?: 'ngrok' | 'tailscale-funnel' | 'none';
  log(event: string, fields: Record<string, unknown>): void;
}

export interface RunningServe {
  url: string;
  publicUrl: string;
  sandbox?: { baseUrl: string; number: string; inProcess: boolean };
  signatures: 'verified' | 'SKIPPED';
  operator: Operator;
  tunnel?: { provider: string; url: string };
  close(): Promise<void>;
}

/** The simulated handset the dashboard texts from with the sandbox. */
export const DASHBOARD_HANDSET = '+15550001111';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/**
 * skipSignatureVerification is for a development server only this machine can reach: refused with a
 * tunnel, a bind others can reach, or a public URL that is not loopback (a reverse proxy would forward
 * strangers' unsigned requests to it).
 */
function refuseUnsignedBeyondLoopback(bind: string, tunnel: string, publicUrl: string | undefined): void {
  const fix = 'Turn signature verification back on (unset skipSignatureVerification / OPENCLAW_TELEPHONY_SKIP_SIGNATURE_VERIFICATION), or use --sandbox, which signs its webhooks.';
  const refuse = (what: string) => new ConfigError(`skipSignatureVerification is only honoured on a server only this machine can reach, and ${what}.`, fix);
  if (!LOOPBACK.test(bind)) throw refuse(`serve.bind is ${bind} (not loopback)`);
  if (tunnel !== 'none') throw refuse(`a ${tunnel} tunnel would expose it`);
  if (publicUrl) {
    const host = new URL(publicUrl).hostname.replace(/^\[|\]$/g, '');
    if (!LOOPBACK.test(host)) throw refuse(`publicUrl ${new URL(publicUrl).origin} is not a loopback address`);
  }
}

/** With --sandbox: the configured or registered one if it answers, else a new one in this process (registered for other commands). */
async function sandboxFor(settings: Settings): Promise<{ sandbox?: Sandbox; baseUrl: string }> {
  const configured = locateSandbox(settings.resolution.config.twilio.apiBaseUrl);
  try {
    await fetchSandboxAccount(configured);
    return { baseUrl: configured };
  } catch {
    // Not running there: start our own below.
  }
  const sandbox = await startRegisteredSandbox();
  return { sandbox, baseUrl: sandbox.baseUrl };
}

export async function startServe(settings: Settings, o: ServeOptions): Promise<RunningServe> {
  const config = settings.resolution.config;
  if (!config.enabled) {
    throw new ConfigError('The telephony channel is turned off (enabled is false), so serve does not start.', 'Set enabled: true in channels.telephony (or OPENCLAW_TELEPHONY_ENABLED=true).', 'channel_disabled');
  }
  const bind = o.bind ?? config.serve.bind;
  const skip = config.skipSignatureVerification;
  if (skip) refuseUnsignedBeyondLoopback(bind, o.tunnel ?? config.tunnel.provider, o.publicUrl ?? config.publicUrl);
  const sb = o.sandbox ? await sandboxFor(settings) : undefined;
  const access = await resolveTwilioAccess(settings, { sandbox: o.sandbox, sandboxUrl: sb?.baseUrl });
  const authToken = o.sandbox ? access.password : (await settings.credentials()).values['twilio.authToken'];
  if (!authToken && !skip) {
    throw new CredentialsError('Verifying webhooks needs the account Auth Token (Twilio signs with it, even when the API uses a key).', 'Run `openclaw telephony auth login` or set TWILIO_AUTH_TOKEN.');
  }
  // The sandbox stands in for Twilio, not for the agent: an http agent still gets its token.
  const agentToken = config.agent.url ? (await settings.credentials()).values['agent.token'] : undefined;
  const agent = createAgent({ ...config.agent, token: agentToken }, { sandbox: o.sandbox });
  const store = await openStore(config.store.url);
  const client = createTwilioClient(access);
  const metrics = createMetrics();
  const background = new Set<Promise<unknown>>();
  metrics.setGauge('background_replies', () => background.size);
  const configuredPublic = (o.publicUrl ?? config.publicUrl)?.replace(/\/+$/, '');
  let publicBase = configuredPublic;
  let tunnel: Tunnel | undefined;
  const limiterFor = createLimiterPool((sender) => senderRate(config.sms, sender));
  const depsFor = (sender: Sender): DeliverDeps => ({ store, client, limiter: limiterFor(sender), logger: silentLogger });

  const dedup = createDeduplicator(store);
  // Keep the processed-webhooks table to its 24 hours.
  await dedup.purgeExpired();
  const purge = setInterval(() => void dedup.purgeExpired().catch((err: Error) => o.log('warning', { message: `purging old webhook records failed: ${err.message}` })), 3_600_000);
  purge.unref();
  const app = await createServeApp({
    config,
    store,
    tunnelState: () => tunnel?.state() ?? 'none',
    metrics,
    log: o.log,
    dedup,
    verify: {
      authToken: authToken ?? '',
      accountSid: access.accountSid,
      // A tunnel URL and a reverse-proxy URL can both be live.
      publicBases: () => [...new Set([tunnel?.url, configuredPublic, publicBase].filter((b): b is string => Boolean(b)))],
      allowedHosts: config.webhookSecurity.allowedHosts,
      trustForwardingHeaders: config.webhookSecurity.trustForwardingHeaders,
      trustedProxies: config.webhookSecurity.trustedProxies,
      skip,
    },
    inbound: {
      store,
      agent,
      config,
      policy: createInboundPolicy(store, config),
      metrics,
      log: o.log,
      background(work) {
        background.add(work);
        void work.finally(() => background.delete(work));
      },
      async sendReply({ to, from, body, key }) {
        await deliverMessage({ key, to, from, body, media: [] }, depsFor({ from }));
      },
    },
  });
  try {
    await app.listen({ port: o.port ?? config.serve.port, host: bind });
  } catch (err) {
    await store.close();
    await sb?.sandbox?.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new UserError(`serve cannot listen on ${bind}:${o.port ?? config.serve.port} (${code}).`, {
        code: 'listen_failed',
        hint: code === 'EADDRINUSE' ? 'Another program uses that port: stop it, or pick another with --port (0 picks a free one) or serve.port.' : 'Pick another address or port (--bind, --port).',
      });
    }
    throw err;
  }
  const { port } = app.server.address() as AddressInfo;
  const url = `http://${bind.includes(':') ? `[${bind}]` : bind}:${port}`;
  const provider = o.tunnel ?? config.tunnel.provider;
  if (provider !== 'none') {
    try {
      tunnel = await openTunnel(provider, {
        port,
        ngrokAuthToken: (await settings.credentials()).values['tunnel.ngrokAuthToken'],
        ngrokDomain: config.tunnel.ngrokDomain,
        onStateChange: (state) => o.log('tunnel', { provider, state }),
      });
    } catch (err) {
      await app.close();
      await store.close();
      await sb?.sandbox?.close();
      throw err;
    }
    publicBase = tunnel.url;
    o.log('tunnel', { provider, state: 'up', url: tunnel.url });
  }
  // With the sandbox and no public URL, the sandbox reaches us directly.
  publicBase ??= o.sandbox ? url : undefined;
  if (!publicBase && !skip) {
    await app.close();
    await store.close();
    throw new ConfigError('serve needs the public URL Twilio sends webhooks to, to verify their signatures.', 'Set publicUrl (or pass --public-url https://...), or use --sandbox to try it locally.');
  }

  let restore: (() => Promise<void>) | undefined;
  let sandboxInfo: RunningServe['sandbox'];
  let numberRef: string | undefined;
  if (o.sandbox) {
    const account = await fetchSandboxAccount(sb!.baseUrl);
    numberRef = account.numbers[0].sid;
    sandboxInfo = { baseUrl: sb!.baseUrl, number: account.numbers[0].phoneNumber, inProcess: Boolean(sb!.sandbox) };
  } else if (o.configureNumber) {
    if (!config.fromNumber) throw new ConfigError('--configure-number needs the number to point: fromNumber is not set.', 'Set fromNumber (or TWILIO_PHONE_NUMBER).');
    numberRef = config.fromNumber;
  }
  if (numberRef) {
    const before = await findNumber(client, numberRef);
    if (!before) throw new ConfigError(`${numberRef} is not one of this account's numbers.`, '`openclaw telephony numbers list` shows them.');
    const point: NumberUrls = { smsUrl: publicBase + config.serve.path, voiceUrl: publicBase + config.serve.voicePath, statusCallback: publicBase + config.serve.statusPath };
    await configureNumber(client, before.sid, point);
    o.log('number.configured', { number: before.phone_number, smsUrl: point.smsUrl });
    restore = async () => {
      await configureNumber(client, before.sid, { smsUrl: before.sms_url ?? '', voiceUrl: before.voice_url ?? '', statusCallback: before.status_callback ?? '' });
      o.log('number.restored', { number: before.phone_number });
    };
  }
  if (skip) o.log('warning', { message: 'skipSignatureVerification is on: unsigned webhooks are accepted (loopback only).' });

  const operator = createOperator({
    store,
    depsFor,
    policy: textPolicyFrom(config),
    sandbox: sandboxInfo && { baseUrl: sandboxInfo.baseUrl, number: sandboxInfo.number, handset: DASHBOARD_HANDSET },
  });
  return {
    url,
    publicUrl: publicBase!,
    sandbox: sandboxInfo,
    signatures: skip ? 'SKIPPED' : 'verified',
    operator,
    tunnel: tunnel && { provider: tunnel.provider, url: tunnel.url },
    async close() {
      clearInterval(purge);
      // Stops accepting; requests in flight and late replies get a grace period, then the agent's turns are abandoned.
      const inFlight = (async () => {
        await app.close();
        while (background.size) await Promise.allSettled([...background]);
      })();
      await drainOrAbandon(inFlight, agent, o.log);
      await restore?.().catch((err: Error) => o.log('warning', { message: `could not restore the number's URLs: ${err.message}` }));
      await tunnel?.close().catch((err: Error) => o.log('warning', { message: `could not close the tunnel: ${err.message}` }));
      await client.close();
      await store.close();
      await sb?.sandbox?.close();
    },
  };
}
