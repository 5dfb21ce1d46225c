/**
 * Decides which API the product talks to and with what credentials: Twilio itself, or the local
 * sandbox (same code, another base URL). With --sandbox and no credentials in flags or the
 * environment, the sandbox's own account is read from the sandbox.
 */
import { locateSandbox, sandboxNotRunningHint } from '../discovery/sandbox-registry.js';
import { NetworkError } from '../errors.js';
import type { Settings } from '../config/settings.js';
import { requireTwilioAuth } from '../secrets/credentials.js';
import { registerSecret } from '../secrets/redact.js';
import { type HttpResponse, httpRequest } from './http-transport.js';
import { createRestClient, type RestClient, type RestClientOptions } from './rest-client.js';

export interface TwilioAccess {
  baseUrl?: string;
  accountSid: string;
  username: string;
  password: string;
  sandbox: boolean;
  /** The sandbox's own numbers, when its account was read from it. */
  sandboxNumbers?: string[];
  region?: string;
  edge?: string;
}

export interface SandboxAccount {
  baseUrl: string;
  accountSid: string;
  authToken: string;
  numbers: { phoneNumber: string; sid: string }[];
}

const notTheSandbox = (base: string, status: number) => new NetworkError(`${base} did not answer like the sandbox (HTTP ${status}).`, 'Check OPENCLAW_TELEPHONY_SANDBOX_URL.');

/** A request to the sandbox's control API (`/sandbox/v1/...`); a sandbox that is not there is said plainly. */
export async function callSandboxControl(baseUrl: string, path: string, opts: { method?: 'GET' | 'POST'; form?: URLSearchParams; json?: unknown } = {}): Promise<{ status: number; body: unknown }> {
  const base = baseUrl.replace(/\/+$/, '');
  let res: HttpResponse;
  try {
    // JSON for what a form cannot carry (a handset's MMS files).
    const body = opts.json !== undefined ? JSON.stringify(opts.json) : opts.form?.toString();
    const type = opts.json !== undefined ? 'application/json' : 'application/x-www-form-urlencoded';
    res = await httpRequest(`${base}${path}`, {
      method: opts.method ?? 'GET',
      headers: { accept: 'application/json', ...(body !== undefined ? { 'content-type': type } : {}) },
      body,
      // Handset texts wait for the webhook, which Twilio (and so the sandbox) gives 15 s.
      timeoutMs: 30_000,
    });
  } catch (err) {
    // Said as what it is (refused, timed out, reset), and kept as the cause so callers can tell "nothing there" from "answered wrongly".
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw Object.assign(new NetworkError(`No sandbox answers at ${base} (${why}).`, sandboxNotRunningHint(base)), { cause: err });
  }
  try {
    return { status: res.status, body: JSON.parse(res.text()) };
  } catch {
    throw notTheSandbox(base, res.status);
  }
}

export async function fetchSandboxAccount(baseUrl: string): Promise<SandboxAccount> {
  const res = await callSandboxControl(baseUrl, '/sandbox/v1/account');
  if (res.status !== 200) throw notTheSandbox(baseUrl, res.status);
  const account = res.body as SandboxAccount;
  // Whatever answers at a named URL may not be a sandbox (a mistyped port, another program): its
  // numbers reach hints and the terminal, so only an account shaped like the sandbox's is taken.
  if (!looksLikeSandboxAccount(account)) throw notTheSandbox(baseUrl, res.status);
  registerSecret(account.authToken);
  return account;
}

function looksLikeSandboxAccount(account: SandboxAccount): boolean {
  return (
    typeof account === 'object' &&
    account !== null &&
    /^AC[0-9a-f]{32}$/.test(String(account.accountSid)) &&
    typeof account.authToken === 'string' &&
    /^[\x21-\x7e]{1,128}$/.test(account.authToken) &&
    Array.isArray(account.numbers) &&
    account.numbers.every((n) => /^\+[1-9][0-9]{1,14}$/.test(String(n?.phoneNumber)) && /^PN[0-9a-f]{32}$/.test(String(n?.sid)))
  );
}

/** `sandboxUrl`: a sandbox this process started, which wins over the configured or registered one. */
export async function resolveTwilioAccess(settings: Settings, opts: { sandbox?: boolean; sandboxUrl?: string }): Promise<TwilioAccess> {
  const { config, sources } = settings.resolution;
  const configuredBase = config.twilio.apiBaseUrl;
  const sandbox = opts.sandbox === true;
  const baseUrl = sandbox ? (opts.sandboxUrl ?? locateSandbox(configuredBase)) : configuredBase;
  const explicit = (key: string) => sources[key] === 'env' || sources[key] === 'flag';
  if (sandbox && !(explicit('twilio.accountSid') && (explicit('twilio.authToken') || explicit('twilio.apiSecret')))) {
    const account = await fetchSandboxAccount(baseUrl!);
    return { baseUrl, accountSid: account.accountSid, username: account.accountSid, password: account.authToken, sandbox, sandboxNumbers: account.numbers.map((n) => n.phoneNumber) };
  }
  const auth = requireTwilioAuth(await settings.credentials());
  return { baseUrl, ...auth, sandbox: sandbox || Boolean(configuredBase), region: config.twilio.region, edge: config.twilio.edge };
}

export function createTwilioClient(access: TwilioAccess, extra: Partial<RestClientOptions> = {}): RestClient {
  return createRestClient({ ...access, ...extra });
}
