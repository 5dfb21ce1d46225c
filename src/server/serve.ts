/**
 * `serve`: a composition of small start-up steps (serve-steps.ts) that each register their cleanup on
 * one stack: the sandbox, the store, the REST client, late replies, timers, the webhook server, the
 * tunnel and the number's URLs. A failure at any step, or a stop request during start-up, unwinds what
 * exists in reverse; so does close() on shutdown.
 */
import { watchStoreVersion } from './store-version-watch.js';
import { orphanedReplyFields, replyPlansOf, sweepOrphanedReplies } from './reply-orphans.js';
import { type Agent, createAgent } from '../agent/agent.js';
import { drainOrAbandon } from '../agent/drain.js';
import type { Settings } from '../config/settings.js';
import { ConfigError, CredentialsError } from '../errors.js';
import { refuseIfOptedOut } from './reply-optout.js';
import { type DeliverDeps, deliverMessage } from '../messaging/deliver.js';
import { type Sender, sendLimits } from '../messaging/account-limits.js';
import { createClaimOwner } from '../store/claims.js';
import { textPolicyFrom } from '../messaging/send-text.js';
import { openStore, type Store } from '../store/open-store.js';
import { startBodyRetention } from '../store/retention.js';
import type { Tunnel } from '../tunnel/tunnel.js';
import { createTwilioClient, resolveTwilioAccess } from '../twilio/access.js';
import { refuseUnreachableWebhookUrl } from '../twilio/webhook-url-guard.js';
import { createServeApp } from './app.js';
import { createServeMediaHost, startMediaPurge } from './media-hosting.js';
import { type CleanupStack, createCleanupStack, StartAborted } from './cleanup-stack.js';
import { createDeduplicator, type Deduplicator, orphanedFields } from './dedup.js';
import { createInboundLimits } from './inbound-limits.js';
import { createInboundPolicy, type PairingHost } from './inbound-policy.js';
import { createInboundMedia, inboundMediaOptions } from './inbound-media.js';
import { countEvents, createMetrics } from './metrics.js';
import { watchDecisions } from './decisions-watch.js';
import { createOperator, type Operator } from './operator.js';
import { joinAsInstance } from './instance.js';
import { createSessionRegistry } from './sessions.js';
import { createTurnOrder, longestTurnWaitMs } from './turn-order.js';
import { decideStop, forgetOriginal, type OriginalUrls, recordOriginal } from '../store/number-originals.js';
import { joinOrStartSandbox, listen, mountOnHost, numberToPoint, pointNumber, refuseUnsignedBeyondLoopback, startTunnel, type WebhookHost } from './serve-steps.js';
import { type EventBus, loggerOnBus } from './events.js';
import { commandPrefix } from '../command-prefix.js';

export interface ServeOptions {
  port?: number;
  bind?: string;
  publicUrl?: string;
  sandbox?: boolean;
  /** Point the number's SmsUrl, VoiceUrl and StatusCallback here, and restore them on exit. */
  configureNumber?: boolean;
  /** Overrides tunnel.provider. */
  tunnel?: 'ngrok' | 'tailscale-funnel' | 'none';
  /** Aborted by a stop request: start-up stops at the next step and undoes what it did. */
  signal?: AbortSignal;
  /** Where serve reports what happens (the dashboard, the log and the metrics subscribe). */
  events: EventBus;
  /** This program's version, shown to other instances and by doctor. */
  version?: string;
  /** The agent instead of `agent.*`: inside OpenClaw's Gateway, OpenClaw's own. */
  agent?: Agent;
  /** Inside OpenClaw's Gateway: its pairing store issues codes and admits senders too. */
  pairingHost?: PairingHost;
  /** Mounted on another server (OpenClaw's Gateway) instead of listening, with no tunnel. */
  host?: WebhookHost;
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

export async function startServe(settings: Settings, o: ServeOptions): Promise<RunningServe> {
  const stack = createCleanupStack((what, err) => o.events.emit('warning', { message: `${what} failed while stopping: ${err.message}` }));
  try {
    return await startSteps(settings, o, stack);
  } catch (err) {
    await stack.unwind();
    throw err;
  }
}

type SandboxJoined = Awaited<ReturnType<typeof joinOrStartSandbox>>;

/** What the phases below share: the options, the stack, and a check that no stop was requested. */
interface StartContext {
  settings: Settings;
  config: Settings['resolution']['config'];
  o: ServeOptions;
  stack: CleanupStack;
  emit: ServeOptions['events']['emit'];
  checkpoint(): void;
}

async function startSteps(settings: Settings, o: ServeOptions, stack: CleanupStack): Promise<RunningServe> {
  const config = settings.resolution.config;
  const ctx: StartContext = {
    settings,
    config,
    o,
    stack,
    emit: o.events.emit,
    checkpoint: () => {
      if (o.signal?.aborted) throw new StartAborted();
    },
  };
  if (!config.enabled) {
    throw new ConfigError('The telephony channel is turned off (enabled is false), so serve does not start.', 'Set enabled: true in channels.telephony (or OPENCLAW_TELEPHONY_ENABLED=true).', 'channel_disabled');
  }
  const skip = config.skipSignatureVerification;
  if (skip) refuseUnsignedBeyondLoopback(o.bind ?? config.serve.bind, o.tunnel ?? config.tunnel.provider, o.publicUrl ?? config.publicUrl);
  const sandbox = o.sandbox ? await joinOrStartSandbox(settings, stack) : undefined;
  ctx.checkpoint();
  const core = await openCore(ctx, sandbox);
  const served = await serveWebhooks(ctx, core);
  const { url, publicBase, tunnel } = o.host ? await mountOnHost(served.app, o.host, { stack, publicBase: served.where.publicBase, skip }) : await goPublic(ctx, served, sandbox !== undefined);
  await core.instance.listening(url, publicBase || undefined);
  if (publicBase) core.mediaHost.publish(publicBase);
  const numberRef = numberToPoint({ sandboxNumberSid: sandbox?.number.sid, configureNumber: o.configureNumber, fromNumber: config.fromNumber });
  if (numberRef) {
    if (!core.access.sandbox) refuseUnreachableWebhookUrl(publicBase, '--configure-number: the public URL');
    const shared = {
      record: (sid: string, found: OriginalUrls) => recordOriginal(core.store, sid, found),
      decideStop: (sid: string) => decideStop(core.store, { instanceId: core.instance.id, publicUrl: publicBase, numberSid: sid }),
      forget: (sid: string) => forgetOriginal(core.store, sid),
    };
    await pointNumber(core.client, numberRef, publicBase, config, { emit: ctx.emit, stack, shared });
  }
  ctx.checkpoint();
  if (skip) ctx.emit('warning', { message: 'skipSignatureVerification is on: unsigned webhooks are accepted (loopback only).' });

  const sandboxInfo = sandbox && { baseUrl: sandbox.baseUrl, number: sandbox.number.phoneNumber, inProcess: sandbox.inProcess };
  const operator = createOperator({
    store: core.store,
    depsFor: core.depsFor,
    policy: textPolicyFrom(config),
    sandbox: sandboxInfo && { baseUrl: sandboxInfo.baseUrl, number: sandboxInfo.number, handset: DASHBOARD_HANDSET },
  });
  return {
    url,
    publicUrl: publicBase,
    sandbox: sandboxInfo,
    signatures: skip ? 'SKIPPED' : 'verified',
    operator,
    tunnel: tunnel && { provider: tunnel.provider, url: tunnel.url },
    close: () => stack.unwind(),
  };
}

/** Credentials, the agent, the store, the REST client, metrics, conversations and the store's timers. */
async function openCore({ settings, config, o, stack, emit, checkpoint }: StartContext, sandbox: SandboxJoined | undefined) {
  const access = await resolveTwilioAccess(settings, { sandbox: o.sandbox, sandboxUrl: sandbox?.baseUrl });
  const authToken = o.sandbox ? access.password : (await settings.credentials()).values['twilio.authToken'];
  if (!authToken && !config.skipSignatureVerification) {
    throw new CredentialsError('Verifying webhooks needs the account Auth Token (Twilio signs with it, even when the API uses a key).', 'Run `' + commandPrefix() + ' auth login` or set TWILIO_AUTH_TOKEN.');
  }
  // The sandbox stands in for Twilio, not for the agent: an http agent still gets its token.
  const agentToken = config.agent.url && !o.agent ? (await settings.credentials()).values['agent.token'] : undefined;
  const agent = o.agent ?? createAgent({ ...config.agent, token: agentToken }, { sandbox: o.sandbox });
  // A write lock held elsewhere stalls serve at most this long per statement (group commits retry from a timer for up to 2 s, then 503).
  const store = await openStore(config.store.url, { busyTimeoutMs: 250 });
  stack.defer('the store', () => store.close());
  if (store.migrated.length) emit('store.migrated', { migrations: [...store.migrated] });
  // One of possibly several instances on this store: webhook claims and conversation lines carry its id.
  const instance = await joinAsInstance(store, { version: o.version ?? 'unknown', signal: o.signal, onError: (err) => emit('warning', { message: `the instance heartbeat failed: ${err.message}` }), onOrphaned: (webhooks) => webhooks.forEach((w) => emit('webhook.orphaned', orphanedFields(w))) });
  stack.defer('the instance row', () => instance.leave());
  // Several serve instances (and send commands) on one store share each sender's rate, the account's limits and the claims on keys.
  const { gate, limiterFor } = sendLimits(store, access, config);
  const client = createTwilioClient(access, { gate });
  stack.defer('the REST client', () => client.close());
  const metrics = createMetrics();
  stack.defer('metrics', o.events.subscribe(countEvents(metrics)));
  const background = new Set<Promise<unknown>>();
  // Several instances can only share a PostgreSQL store; on SQLite the order inside this process is all there is.
  const orderOptions = { maxWaitMs: longestTurnWaitMs(config.agent.timeoutMs) };
  const order = store.dialect === 'postgres' ? createTurnOrder(store, instance.id, (err) => emit('warning', { message: `keeping a conversation's turns in order across instances failed: ${err.message}` }), orderOptions) : undefined;
  if (order) stack.defer('the turn order', () => order.stop());
  const sessions = createSessionRegistry(config.maxConcurrentSessions, order);
  metrics.setGauge('agent_sessions_active', sessions.active);
  metrics.setGauge('agent_sessions_waiting', sessions.waiting);
  metrics.setGauge('background_replies', () => background.size);
  // Deliveries (late replies and their retries, approved messages) are reported like everything else.
  const deliveries = loggerOnBus(o.events);
  const claims = createClaimOwner(store);
  stack.defer('idempotency claims', () => claims.close());
  // Local files in serve's own sends (agent attachments, approved texts) are served by serve itself.
  const mediaHost = createServeMediaHost(config, store);
  const depsFor = (sender: Sender): DeliverDeps => ({ store, client, limiter: limiterFor(sender), logger: deliveries, claims, mediaHost });
  const dedup = createDeduplicator(store, instance.id);
  await startStoreTimers(store, dedup, config.store.retentionDays, { emit, stack });
  await startMediaPurge(store, { emit, stack });
  checkpoint();
  return { access, authToken, agent, store, client, metrics, background, sessions, depsFor, dedup, instance, mediaHost, claims };
}

/** The processed-webhooks purge, the decisions watch and body retention, each stopped on the way out. */
async function startStoreTimers(store: Store, dedup: Deduplicator, retentionDays: number, { emit, stack }: Pick<StartContext, 'emit' | 'stack'>): Promise<void> {
  // Keep the processed-webhooks table to its 24 hours.
  await dedup.purgeExpired();
  const purge = setInterval(() => void dedup.purgeExpired().catch((err: Error) => emit('warning', { message: `purging old webhook records failed: ${err.message}` })), 3_600_000);
  purge.unref();
  stack.defer('the purge timer', () => clearInterval(purge));
  stack.defer('the decisions watch', watchDecisions(store, emit));
  // Late replies cut off by a dead instance, and a newer version upgrading the shared store, are said at once.
  stack.defer('the cut-off replies sweep', sweepOrphanedReplies(store, { onOrphaned: (r) => emit('reply.orphaned', orphanedReplyFields(r)), onError: (err) => emit('warning', { message: `looking for cut-off replies failed: ${err.message}` }) }));
  stack.defer('the store version watch', watchStoreVersion(store, { onNewer: (message) => emit('error', { message }), onError: (err) => emit('warning', { message: `checking the store's schema failed: ${err.message}` }) }));
  // Message bodies older than store.retentionDays are blanked, now and daily.
  const stopRetention = await startBodyRetention(store, retentionDays, (err) => emit('warning', { message: `pruning old message bodies failed: ${err.message}` }));
  stack.defer('the retention timer', stopRetention);
}

type Core = Awaited<ReturnType<typeof openCore>>;

/** The webhook app, with its draining close and the tunnel's slot on the stack (the tunnel closes after the server). */
async function serveWebhooks({ settings, config, o, stack, emit }: StartContext, core: Core) {
  const { store, agent, metrics, background } = core;
  const media = await createInboundMedia(inboundMediaOptions(settings.resolution, core.access, emit));
  // At once, so a start-up that fails below still stops the hourly sweep; the later slot stops downloads before the drain.
  stack.defer('the inbound media sweep', () => media.close());
  const configuredPublic = (o.publicUrl ?? config.publicUrl)?.replace(/\/+$/, '');
  const where: { tunnel?: Tunnel; publicBase?: string } = { publicBase: configuredPublic };
  const statusCallbackUrl = () => (where.publicBase ? where.publicBase + config.serve.statusPath : undefined);
  const limits = createInboundLimits(config.serve.inboundLimits, { metrics, emit });
  const stopReplies = new AbortController();
  const app = await createServeApp({
    config,
    store,
    tunnelState: () => where.tunnel?.state() ?? 'none',
    metrics,
    emit,
    limits,
    dedup: core.dedup,
    verify: {
      authToken: core.authToken ?? '',
      accountSid: core.access.accountSid,
      // A tunnel URL and a reverse-proxy URL can both be live.
      publicBases: () => [...new Set([where.tunnel?.url, configuredPublic, where.publicBase].filter((b): b is string => Boolean(b)))],
      allowedHosts: config.webhookSecurity.allowedHosts,
      trustForwardingHeaders: config.webhookSecurity.trustForwardingHeaders,
      trustedProxies: config.webhookSecurity.trustedProxies,
      skip: config.skipSignatureVerification,
    },
    inbound: {
      store,
      agent,
      config,
      policy: createInboundPolicy(store, config, o.pairingHost),
      sessions: core.sessions,
      metrics,
      limits,
      emit,
      background(work) {
        background.add(work);
        void work.finally(() => background.delete(work));
      },
      async sendReply({ to, from, body, key, requestKey, fingerprint, media = [], mediaRecord }) {
        // A STOP that landed meanwhile ends the reply before the next part (reply-optout.ts).
        await deliverMessage({ key, requestKey, fingerprint, to, from, body, media, mediaRecord, statusCallback: statusCallbackUrl() }, { ...core.depsFor({ from }), signal: stopReplies.signal, refuseBeforeRequest: refuseIfOptedOut(store, to) });
      },
      mediaHost: core.mediaHost,
      claims: core.claims,
      replyPlans: replyPlansOf(store, core.instance.id, (err) => emit('warning', { message: `recording a late reply in the store failed: ${err.message}` })),
      statusCallbackUrl,
      media,
    },
  });
  // The tunnel's slot comes before the server's, so in-flight answers still get out through it.
  stack.defer('the tunnel', () => where.tunnel?.close());
  // Stops accepting; requests in flight and late replies get a grace period, then the agent's turns are abandoned.
  const drained = async () => {
    await app.close();
    while (background.size) await Promise.allSettled([...background]);
  };
  // Past the grace period, a late reply's parts still waiting for a rate slot are not sent (each says so: reply.failed).
  const abandon = { running: () => agent.running(), close: () => (stopReplies.abort(), agent.close()) };
  stack.defer('requests in flight and late replies', () => drainOrAbandon(drained(), abandon, o.events.emitByName));
  // Unwound first: downloads still running stop at once (their turns go on with a notice).
  stack.defer('inbound media downloads', () => media.close());
  return { app, where };
}

/** Listens, opens the tunnel, and settles the public URL Twilio signs for. */
async function goPublic({ settings, config, o, emit, checkpoint }: StartContext, { app, where }: Awaited<ReturnType<typeof serveWebhooks>>, withSandbox: boolean) {
  const { url, port } = await listen(app, o.bind ?? config.serve.bind, o.port ?? config.serve.port);
  checkpoint();
  const tunnel = await startTunnel(o.tunnel ?? config.tunnel.provider, { port, settings, emit, signal: o.signal }, where);
  checkpoint();
  // With the sandbox and no public URL, the sandbox reaches us directly.
  where.publicBase = tunnel?.url ?? where.publicBase ?? (withSandbox ? url : undefined);
  if (!where.publicBase && !config.skipSignatureVerification) {
    throw new ConfigError('serve needs the public URL Twilio sends webhooks to, to verify their signatures.', 'Set publicUrl (or pass --public-url https://...), or use --sandbox to try it locally.');
  }
  return { url, publicBase: where.publicBase ?? '', tunnel };
}
