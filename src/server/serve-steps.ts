/**
 * The start-up steps of `serve`, each small and each registering on the cleanup stack what undoes it.
 * serve.ts composes them in order.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { ResolvedConfig } from '../config/resolve.js';
import type { Settings } from '../config/settings.js';
import { readRegisteredSandbox } from '../discovery/sandbox-registry.js';
import { startRegisteredSandbox } from '../discovery/start-sandbox.js';
import { ConfigError, NetworkError, UserError } from '../errors.js';
import { openTunnel, type Tunnel } from '../tunnel/tunnel.js';
import { fetchSandboxAccount } from '../twilio/access.js';
import { configureNumber, findNumber, type NumberUrls } from '../twilio/numbers-api.js';
import type { RestClient } from '../twilio/rest-client.js';
import type { OriginalUrls } from '../store/number-originals.js';
import type { CleanupStack } from './cleanup-stack.js';
import type { Emit } from './events.js';
import { hintCommand } from '../command-prefix.js';


/**
 * With --sandbox: the configured or registered one if it answers, else a new one in this process
 * (registered for other commands, closed on the way out). Anything but "nothing answers there" is an
 * error of its own: a sandbox that answers wrongly is not silently replaced. A sandbox that merely
 * answers on the preferred port is not joined: serve repoints its number, and an unregistered one
 * belongs to another user or data folder (another person's session, a test run beside this one).
 */
export async function joinOrStartSandbox(settings: Settings, stack: CleanupStack): Promise<{ baseUrl: string; number: { sid: string; phoneNumber: string }; inProcess: boolean }> {
  const known = settings.resolution.config.twilio.apiBaseUrl ?? readRegisteredSandbox()?.url;
  if (known) {
    const url = known.replace(/\/+$/, '');
    try {
      const account = await fetchSandboxAccount(url);
      return { baseUrl: url, number: account.numbers[0], inProcess: false };
    } catch (err) {
      // Only "nothing answers there" (a transport error, kept as the cause) means: start our own.
      if (!(err instanceof NetworkError) || !err.cause) throw err;
    }
  }
  const sandbox = await startRegisteredSandbox();
  stack.defer('the sandbox', () => sandbox.close());
  const account = await fetchSandboxAccount(sandbox.baseUrl);
  return { baseUrl: sandbox.baseUrl, number: account.numbers[0], inProcess: true };
}

/** Listens on bind:port (serve.ts registers the draining close before this, next to the late replies it waits for). */
export async function listen(app: FastifyInstance, bind: string, port: number): Promise<{ url: string; port: number }> {
  try {
    await app.listen({ port, host: bind });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new UserError(`serve cannot listen on ${bind}:${port} (${code}).`, {
        code: 'listen_failed',
        hint: code === 'EADDRINUSE' ? 'Another program uses that port: stop it, or pick another with --port (0 picks a free one) or serve.port.' : 'Pick another address or port (--bind, --port).',
      });
    }
    throw err;
  }
  const actual = (app.server.address() as AddressInfo).port;
  return { url: `http://${bind.includes(':') ? `[${bind}]` : bind}:${actual}`, port: actual };
}

/** A server that carries serve's routes (OpenClaw's Gateway): mount() hands it the request handler and returns the unmount. */
export interface WebhookHost {
  /** Where the host listens, for the log. */
  url: string;
  mount(handle: (req: IncomingMessage, res: ServerResponse) => void): () => void;
}

/** Instead of listening: the app answers the host's requests; Twilio signs for publicUrl + path. */
export async function mountOnHost(app: FastifyInstance, host: WebhookHost, o: { stack: CleanupStack; publicBase?: string; skip: boolean }): Promise<{ url: string; publicBase: string; tunnel: undefined }> {
  if (!o.publicBase && !o.skip) {
    throw new ConfigError('Inside the OpenClaw Gateway the telephony channel needs the public URL Twilio sends webhooks to, to verify their signatures.', "Set channels.telephony.publicUrl to the Gateway's public URL (https://gateway.example.com), the base of the number's webhook URLs.");
  }
  await app.ready();
  o.stack.defer('the routes on the host', host.mount((req, res) => app.routing(req, res)));
  return { url: host.url, publicBase: o.publicBase ?? '', tunnel: undefined };
}

/** Opens the tunnel when one is asked for; `holder` receives it (its cleanup slot was registered before listening, so it closes after the server). */
export async function startTunnel(provider: ResolvedConfig['tunnel']['provider'], o: { port: number; settings: Settings; emit: Emit; signal?: AbortSignal }, holder: { tunnel?: Tunnel }): Promise<Tunnel | undefined> {
  if (provider === 'none') return undefined;
  const config = o.settings.resolution.config;
  holder.tunnel = await openTunnel(provider, {
    port: o.port,
    ngrokAuthToken: (await o.settings.credentials()).values['tunnel.ngrokAuthToken'],
    ngrokDomain: config.tunnel.ngrokDomain,
    onStateChange: (state) => o.emit('tunnel', { provider, state }),
    signal: o.signal,
  });
  o.emit('tunnel', { provider, state: 'up', url: holder.tunnel.url });
  return holder.tunnel;
}

/** Which number to point at this server: the sandbox's, or fromNumber with --configure-number. */
export function numberToPoint(o: { sandboxNumberSid?: string; configureNumber?: boolean; fromNumber?: string }): string | undefined {
  if (o.sandboxNumberSid) return o.sandboxNumberSid;
  if (!o.configureNumber) return undefined;
  if (!o.fromNumber) throw new ConfigError('--configure-number needs the number to point: fromNumber is not set.', 'Set fromNumber (or TWILIO_PHONE_NUMBER).');
  return o.fromNumber;
}

/** What instances sharing the store know of a number they point (store/number-originals.ts). */
export interface SharedNumber {
  /** Records the URLs found, unless another instance recorded the original first. */
  record(numberSid: string, found: OriginalUrls): Promise<void>;
  /** Marks this instance stopping; the others still serving at its public URL, and the original when none is left. */
  decideStop(numberSid: string): Promise<{ others: number; original?: OriginalUrls }>;
  /** The number was given back. */
  forget(numberSid: string): Promise<void>;
}

/**
 * Points the number's SmsUrl, VoiceUrl (unless voice.enabled is false: calls are then not serve's)
 * and StatusCallback at `publicBase`, and on the way out gives it back as the first instance of the
 * store found it, unless another instance pointed the number at itself since, or other instances on
 * the store still serve at the same public URL: restoring would cut them off. Of instances stopping
 * at the same moment, the last to decide restores (`decideStop` is one transaction).
 */
export async function pointNumber(
  client: RestClient,
  ref: string,
  publicBase: string,
  config: Pick<ResolvedConfig, 'serve' | 'voice'>,
  o: { emit: Emit; stack: CleanupStack; shared: SharedNumber },
): Promise<void> {
  const before = await findNumber(client, ref);
  if (!before) throw new ConfigError(`${ref} is not one of this account's numbers.`, '`' + hintCommand('numbers list') + '` shows them.');
  const { serve, voice } = config;
  const point: NumberUrls = { smsUrl: publicBase + serve.path, voiceUrl: voice.enabled ? publicBase + serve.voicePath : undefined, statusCallback: publicBase + serve.statusPath };
  await o.shared.record(before.sid, { smsUrl: before.sms_url ?? null, voiceUrl: before.voice_url ?? null, statusCallback: before.status_callback ?? null });
  await configureNumber(client, before.sid, point);
  o.emit('number.configured', { number: before.phone_number, smsUrl: point.smsUrl ?? '', voiceUrl: point.voiceUrl ?? '' });
  o.stack.defer("restoring the number's URLs", async () => {
    // Another instance started since pointed the number at itself: restoring would cut it off.
    const now = await findNumber(client, before.sid);
    if (now && now.sms_url !== point.smsUrl) {
      await o.shared.decideStop(before.sid);
      return o.emit('number.kept', { number: before.phone_number, reason: 'another instance pointed it at its own URL since' });
    }
    // Other live instances behind the same public URL (a load balancer) still take this number's webhooks.
    const { others, original } = await o.shared.decideStop(before.sid);
    if (others > 0) return o.emit('number.kept', { number: before.phone_number, reason: `${others} other live instance(s) serve at ${publicBase}` });
    // As the first instance found it (what this one found may be another instance's URL).
    const back = original ?? { smsUrl: before.sms_url ?? null, voiceUrl: before.voice_url ?? null, statusCallback: before.status_callback ?? null };
    await configureNumber(client, before.sid, { smsUrl: back.smsUrl ?? '', voiceUrl: voice.enabled ? (back.voiceUrl ?? '') : undefined, statusCallback: back.statusCallback ?? '' });
    await o.shared.forget(before.sid);
    o.emit('number.restored', { number: before.phone_number });
  });
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

/**
 * skipSignatureVerification is for a development server only this machine can reach: refused with a
 * tunnel, a bind others can reach, or a public URL that is not loopback (a reverse proxy would forward
 * strangers' unsigned requests to it).
 */
export function refuseUnsignedBeyondLoopback(bind: string, tunnel: string, publicUrl: string | undefined): void {
  const fix = 'Turn signature verification back on (unset skipSignatureVerification / OPENCLAW_TELEPHONY_SKIP_SIGNATURE_VERIFICATION), or use --sandbox, which signs its webhooks.';
  const refuse = (what: string) => new ConfigError(`skipSignatureVerification is only honoured on a server only this machine can reach, and ${what}.`, fix);
  if (!LOOPBACK.test(bind)) throw refuse(`serve.bind is ${bind} (not loopback)`);
  if (tunnel !== 'none') throw refuse(`a ${tunnel} tunnel would expose it`);
  if (publicUrl) {
    const host = new URL(publicUrl).hostname.replace(/^\[|\]$/g, '');
    if (!LOOPBACK.test(host)) throw refuse(`publicUrl ${new URL(publicUrl).origin} is not a loopback address`);
  }
}
