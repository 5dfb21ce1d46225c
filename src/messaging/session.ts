/**
 * Everything a sending command needs, built once from the settings: the store, a REST client for
 * Twilio or the sandbox, the policy (chunking, prices, approvals), the default sender, and one rate
 * limiter per sender shared by everything this process sends.
 */
import type { Settings } from '../config/settings.js';
import type { ResolvedConfig } from '../config/resolve.js';
import { createLogger, type Logger } from '../log.js';
import { type ClaimOwner, createClaimOwner } from '../store/claims.js';
import { openStore, type Store } from '../store/open-store.js';
import { createTwilioClient, fetchSandboxAccount, resolveTwilioAccess, type TwilioAccess } from '../twilio/access.js';
import type { RestClient } from '../twilio/rest-client.js';
import type { DeliverDeps } from './deliver.js';
import { toE164 } from './phone.js';
import { livePublicUrl } from '../store/outbound-media.js';
import { commandPrefix } from '../command-prefix.js';
import type { MediaHost } from './outbound-media.js';
import { type Sender, sendLimits } from './account-limits.js';
import { type TextPolicy, textPolicyFrom } from './send-text.js';

export interface SessionOptions {
  sandbox?: boolean;
  /** --rate: messages per second for every sender. */
  rate?: number;
  from?: string;
  messagingServiceSid?: string;
  defaultCountry?: string;
}

export interface MessagingSession {
  store: Store;
  client: RestClient;
  logger: Logger;
  /** This process's claims on idempotency keys (owner id and leases). */
  claims: ClaimOwner;
  policy: TextPolicy;
  sender: { from?: string; messagingServiceSid?: string };
  /** Set when no sender was configured and --sandbox supplied the sandbox's first number. */
  sandboxSender?: string;
  defaultCountry?: string;
  depsFor(sender: { from?: string; messagingServiceSid?: string }): DeliverDeps;
  rateFor(sender: { from?: string; messagingServiceSid?: string }): number;
  /** `forExit`: the process exits right after, so the store is closed for that (Store.closeForExit). */
  close(opts?: { forExit?: boolean }): Promise<void>;
}

/** The sender of a message that names none: --messaging-service, --from, then the configuration. */
export function resolveDefaultSender(config: ResolvedConfig, opts: SessionOptions): Sender {
  // A Messaging Service wins over a from number, as Twilio's setup guide says.
  const messagingServiceSid = opts.messagingServiceSid ?? (opts.from ? undefined : config.twilio.messagingServiceSid);
  const fromText = messagingServiceSid ? undefined : (opts.from ?? config.fromNumber);
  const from = fromText ? toE164(fromText, opts.defaultCountry ?? config.sms.defaultCountry, 'From number') : undefined;
  return { from, messagingServiceSid };
}

export async function openMessagingSession(settings: Settings, opts: SessionOptions): Promise<MessagingSession> {
  const { config } = settings.resolution;
  const defaultCountry = opts.defaultCountry ?? config.sms.defaultCountry;
  const { from, messagingServiceSid } = resolveDefaultSender(config, opts);
  // The store opens while the sandbox (or the credential store) answers. Opening a SQLite store is
  // synchronous work, so it waits one turn of the event loop: by then the sandbox's request is written
  // (its socket connects in that turn), and the sandbox answers meanwhile instead of after it. Sending
  // runs on fixed statements; the query builder loads only if something rarer asks for it.
  const accessing = resolveTwilioAccess(settings, { sandbox: opts.sandbox });
  const opening = new Promise((resolve) => setImmediate(resolve)).then(() => openStore(config.store.url, { queryBuilder: false }));
  const [accessResult, storeResult] = await Promise.allSettled([accessing, opening]);
  if (accessResult.status === 'rejected') {
    // An open PostgreSQL pool would keep the process alive after the error.
    if (storeResult.status === 'fulfilled') await storeResult.value.close();
    throw accessResult.reason;
  }
  if (storeResult.status === 'rejected') throw storeResult.reason;
  const access = accessResult.value;
  const store = storeResult.value;
  // --sandbox brings the sandbox's account, so it brings a sender too when none is configured.
  let sandboxSender: string | undefined;
  if (opts.sandbox && !from && !messagingServiceSid) {
    try {
      sandboxSender = await sandboxFirstNumber(access);
    } catch (err) {
      await store.close();
      throw err;
    }
  }
  // The sender's rate, the account's, and its API concurrency, shared with every process on the store.
  const { gate, rateFor, limiterFor } = sendLimits(store, access, config, opts.rate);
  const client = createTwilioClient(access, { gate });
  const logger = createLogger();
  const claims = createClaimOwner(store, { onRenewError: (err) => logger.event('store.lease.renew-failed', { error: err.message }) });
  const mediaHost = sendingMediaHost(config, store);
  const crashAfter = Number(process.env.OPENCLAW_TELEPHONY_FAULT_CRASH_AFTER_SENDS ?? 0);
  let accepted = 0;
  return {
    store,
    client,
    logger,
    claims,
    defaultCountry,
    sender: { from: from ?? sandboxSender, messagingServiceSid },
    sandboxSender,
    policy: { ...textPolicyFrom(config), origin: access.sandbox ? 'sandbox' : 'twilio' },
    rateFor,
    depsFor(s) {
      return {
        store,
        client,
        limiter: limiterFor(s),
        logger,
        claims,
        mediaHost,
        // Fault injection for the crash tests: die between Twilio's answer and the settle.
        afterAccepted: crashAfter > 0 ? () => ++accepted >= crashAfter && process.kill(process.pid, 'SIGKILL') : undefined,
      };
    },
    async close({ forExit = false } = {}) {
      await claims.close();
      await client.close();
      await (forExit ? store.closeForExit() : store.close());
    },
  };
}

/**
 * A `send` process serves nothing itself: a local file goes into the store, and a serve running on
 * the same store (it announces its public URL there while it runs) answers Twilio's fetch.
 */
function sendingMediaHost(config: ResolvedConfig, store: Store): MediaHost {
  return {
    store,
    publicBase: () => livePublicUrl(store),
    mediaPath: config.serve.mediaPath,
    ttlMs: config.sms.mediaTtlMinutes * 60_000,
    noPublicUrlHint: `Twilio fetches media from a public URL, and no serve is running on this store (${store.location}) to answer it. Start \`${commandPrefix()} serve\` (with publicUrl, a tunnel, or --sandbox) on the same store and send again, or give a public https:// URL.`,
  };
}

/**
 * The sender `--sandbox` supplies when none is configured: the sandbox's first number. The dry run
 * asks for it too (a local read, never Twilio), so it predicts the real run.
 */
export async function sandboxDefaultSender(settings: Settings): Promise<string | undefined> {
  return sandboxFirstNumber(await resolveTwilioAccess(settings, { sandbox: true }));
}

/**
 * The sender a dry run plans with: the one a real run would use, including the sandbox's number with
 * --sandbox and none configured (`fromSandbox`, so the caller can say so), without opening a session.
 */
export async function plannedSender(settings: Settings, opts: SessionOptions): Promise<Sender & { fromSandbox?: boolean }> {
  const sender = resolveDefaultSender(settings.resolution.config, opts);
  if (!opts.sandbox || sender.from || sender.messagingServiceSid) return sender;
  const from = await sandboxDefaultSender(settings);
  return { from, fromSandbox: from !== undefined };
}

async function sandboxFirstNumber(access: TwilioAccess): Promise<string | undefined> {
  const numbers = access.sandboxNumbers ?? (await fetchSandboxAccount(access.baseUrl!)).numbers.map((n) => n.phoneNumber);
  return numbers[0];
}
