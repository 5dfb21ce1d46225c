/**
 * The checks `doctor` runs. Each returns pass, warn or fail with a fix; later capabilities add
 * theirs (tunnel, webhook URL, number configuration) to `DOCTOR_CHECKS`.
 */
import { CredentialsError, ExitCode } from '../errors.js';
import type { ConfigResolution } from '../config/resolve.js';
import { resolveConfig } from '../config/resolve.js';
import { type ResolvedCredentials, resolveCredentials } from '../secrets/credentials.js';
import { keychainAccount, type SecretStore } from '../secrets/keychain.js';
import { openStore } from '../store/open-store.js';
import { storeFileExposure } from '../store/sqlite-file.js';
import { commandPrefix, hintCommand } from '../command-prefix.js';
import { createConfigHint } from '../config/openclaw-config.js';
import { inboundPolicyCheck } from './inbound-policy-check.js';
import { envNamesCheck } from './env-names-check.js';

export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  fix?: string;
  /** The exit code doctor uses when this check fails. */
  exitCode?: number;
  /** Machine-readable facts printed beside the prose by `doctor --json` (the store's kind, schema, instances). */
  fields?: Record<string, unknown>;
}

export interface DoctorInput {
  configFile?: string;
  profile?: string;
  keychain: SecretStore;
  nodeVersion?: string;
  /** `doctor --probe`: also ask Twilio how the number is set up and what went wrong lately (probe.ts). */
  probe?: boolean;
}

/** Facts gathered once and shared by the checks. */
export interface DoctorState {
  input: DoctorInput;
  resolution?: ConfigResolution;
  credentials?: ResolvedCredentials;
}

export type Check = (state: DoctorState) => Promise<CheckResult>;

const MIN_NODE = [20, 18];

const nodeCheck: Check = async ({ input }) => {
  const version = input.nodeVersion ?? process.versions.node;
  const [major, minor] = version.split('.').map(Number);
  const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
  return ok
    ? { name: 'node', status: 'pass', detail: `Node ${version}` }
    : { name: 'node', status: 'fail', detail: `Node ${version} is too old`, fix: 'Install Node 20.18 or newer (22 or 24 LTS are fine).', exitCode: ExitCode.unexpected };
};

const configCheck: Check = async (state) => {
  try {
    state.resolution = await resolveConfig({ configFile: state.input.configFile, profile: state.input.profile, tolerateErrors: true });
  } catch (err) {
    return { name: 'config', status: 'fail', detail: (err as Error).message, fix: (err as { hint?: string }).hint, exitCode: ExitCode.config };
  }
  const { file, problems } = state.resolution;
  const errors = problems.filter((p) => p.severity === 'error');
  if (!file) return { name: 'config', status: 'warn', detail: 'no configuration file found; defaults and environment apply', fix: createConfigHint() };
  if (errors.length)
    return { name: 'config', status: 'fail', detail: `${file.filepath}: ${errors.length} error(s), first: ${errors[0].path}: ${errors[0].message}`, fix: 'Run `' + hintCommand('config validate') + '` for every error and its fix.', exitCode: ExitCode.config };
  const warnings = problems.filter((p) => p.severity === 'warning');
  if (warnings.length) return { name: 'config', status: 'warn', detail: `${file.filepath}: ${warnings[0].message}`, fix: warnings[0].hint };
  return { name: 'config', status: 'pass', detail: `${file.filepath} is valid` };
};

const credentialStoreCheck: Check = async ({ input }) => {
  try {
    await input.keychain.get(keychainAccount('doctor', 'probe'));
    return { name: 'credential-store', status: 'pass', detail: 'the OS credential store is reachable' };
  } catch (err) {
    return { name: 'credential-store', status: 'warn', detail: (err as Error).message, fix: (err as { hint?: string }).hint };
  }
};

const credentialsCheck: Check = async (state) => {
  if (!state.resolution) return { name: 'credentials', status: 'fail', detail: 'skipped: the configuration did not load', exitCode: ExitCode.credentials };
  state.credentials = await resolveCredentials(state.resolution, state.input.keychain);
  const by = (key: string) => state.credentials!.statuses.find((s) => s.key === key)!;
  const sid = by('twilio.accountSid');
  const token = by('twilio.authToken');
  const apiSecret = by('twilio.apiSecret');
  if (!sid.set || !(token.set || apiSecret.set)) {
    return {
      name: 'credentials',
      status: 'warn',
      detail: 'no Twilio credentials (the sandbox needs none)',
      fix: 'Run `' + commandPrefix() + ' auth login`, or set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN.',
    };
  }
  const secret = token.set ? token : apiSecret;
  const status = secret.source === 'file' || secret.source === 'profile' ? 'warn' : 'pass';
  return {
    name: 'credentials',
    status,
    detail: `account SID from ${sid.source}, ${secret.key} from ${secret.source}`,
    fix: status === 'warn' ? 'Move the secret out of the config file: `' + commandPrefix() + ' auth login`.' : undefined,
  };
};

const ORPHANED_FIX =
  'Those texts did not reach the agent (their bodies were never stored). The `webhook.orphaned` lines of serve\'s log name their MessageSids; ' +
  'set the number\'s fallback URL to another instance (or the round-robin proxy) so Twilio delivers such a text again, and stop instances with SIGTERM, which lets turns finish.';

const storeCheck: Check = async ({ resolution }) => {
  if (!resolution) return { name: 'store', status: 'fail', detail: 'skipped: the configuration did not load', exitCode: ExitCode.config };
  try {
    const store = await openStore(resolution.config.store.url);
    const where = store.location;
    let facts: string;
    let fields: Record<string, unknown>;
    let orphaned: { last24h: number; newestAt: string | null };
    try {
      const { describeInstances, describeOrphaned, describeSchema, schemaLevel, servingInstances } = await import('./store-facts.js');
      const { orphanedFacts } = await import('../server/orphaned-webhooks.js');
      const driver = `driver ${store.driver}${store.driver === 'node:sqlite' ? " (Node's built-in SQLite: better-sqlite3's native addon did not load here)" : ''}`;
      // The serve instances alive on it: several on PostgreSQL, at most one on a SQLite file (the one a second serve's store_in_use names).
      const [schema, instances] = [await schemaLevel(store), await servingInstances(store)];
      orphaned = await orphanedFacts(store);
      facts = [driver, describeSchema(schema), describeInstances(instances), describeOrphaned(orphaned)].join('; ');
      // The same facts for scripts (`doctor --json`), beside the prose.
      fields = { kind: store.dialect, location: where, driver: store.driver, schema, instances, orphanedWebhooks: orphaned };
    } finally {
      await store.close();
    }
    const exposed = store.dialect === 'sqlite' ? storeFileExposure(where) : undefined;
    if (exposed) return { name: 'store', status: 'warn', detail: `${exposed}; ${facts}`, fix: `chmod 600 ${where}`, fields };
    if (orphaned.last24h) return { name: 'store', status: 'warn', detail: facts, fix: ORPHANED_FIX, fields };
    return { name: 'store', status: 'pass', detail: `${store.dialect === 'postgres' ? 'PostgreSQL' : 'SQLite'} store ${where} opens and is migrated: ${facts}`, fields };
  } catch (err) {
    // The exit code the other commands give this failure: 6 for a store that does not answer (store_unavailable), as send and serve.
    const { exitCode, code } = err as { exitCode?: number; code?: string };
    return { name: 'store', status: 'fail', detail: (err as Error).message, fix: (err as { hint?: string }).hint, exitCode: exitCode ?? ExitCode.config, fields: { error: code ?? null } };
  }
};

const SIGNATURE_CAUSES =
  'Usual causes of "signature mismatch" (403): publicUrl (or the tunnel URL) differs from the URL set at Twilio (scheme, host, port, path or query), ' +
  'a proxy rewrote the Host without webhookSecurity.trustForwardingHeaders/trustedProxies, or the Auth Token is not the account\'s (API keys do not sign webhooks).';

const webhookCheck: Check = async ({ resolution, credentials }) => {
  if (!resolution) return { name: 'webhook-url', status: 'fail', detail: 'skipped: the configuration did not load', exitCode: ExitCode.config };
  const { publicUrl, tunnel, serve } = resolution.config;
  if (tunnel.provider === 'ngrok' && !credentials?.values['tunnel.ngrokAuthToken']) {
    return { name: 'webhook-url', status: 'warn', detail: 'tunnel.provider is ngrok but no ngrok auth token is set', fix: `${commandPrefix()} auth set tunnel.ngrokAuthToken (or NGROK_AUTHTOKEN)` };
  }
  if (tunnel.provider !== 'none') return { name: 'webhook-url', status: 'pass', detail: `serve opens a ${tunnel.provider} tunnel${publicUrl ? ` and also accepts ${publicUrl}` : ''}` };
  if (!publicUrl) return { name: 'webhook-url', status: 'warn', detail: 'no publicUrl and no tunnel: serve cannot be reached by Twilio (only `serve --sandbox` works)', fix: 'Set publicUrl, or tunnel.provider to ngrok or tailscale-funnel.' };
  const warnHttp = publicUrl.startsWith('http://') && !/\/\/(127\.|localhost)/.test(publicUrl);
  return {
    name: 'webhook-url',
    status: warnHttp ? 'warn' : 'pass',
    detail: `Twilio should call ${publicUrl.replace(/\/+$/, '')}${serve.path}`,
    fix: warnHttp ? 'Use https: webhooks over plain http can be read and replayed on the way.' : undefined,
  };
};

const signatureCheck: Check = async ({ resolution, credentials }) => {
  if (!resolution) return { name: 'signatures', status: 'fail', detail: 'skipped: the configuration did not load', exitCode: ExitCode.config };
  if (resolution.config.skipSignatureVerification) {
    return { name: 'signatures', status: 'warn', detail: 'skipSignatureVerification is on: unsigned webhooks are accepted (serve honours it on a loopback bind only)', fix: 'Turn it off outside development.' };
  }
  if (!credentials?.values['twilio.authToken']) {
    return { name: 'signatures', status: 'warn', detail: 'no Auth Token: serve cannot verify webhook signatures (it refuses to start without one)', fix: `${commandPrefix()} auth login (or TWILIO_AUTH_TOKEN). ` + SIGNATURE_CAUSES };
  }
  return { name: 'signatures', status: 'pass', detail: 'webhooks are verified with the account Auth Token', fix: SIGNATURE_CAUSES };
};

const numberCheck: Check = async ({ resolution, credentials }) => {
  const name = 'number';
  const c = resolution?.config;
  if (!c || !credentials) return { name, status: 'warn', detail: 'skipped: no configuration or credentials' };
  if (!c.fromNumber) return { name, status: 'warn', detail: 'no fromNumber: nothing to check', fix: 'Set fromNumber (or TWILIO_PHONE_NUMBER).' };
  if (!c.publicUrl) return { name, status: 'warn', detail: `cannot tell where ${c.fromNumber} should point without a publicUrl` };
  const { requireTwilioAuth } = await import('../secrets/credentials.js');
  const { createRestClient } = await import('../twilio/rest-client.js');
  const { findNumber } = await import('../twilio/numbers-api.js');
  let auth;
  try {
    auth = requireTwilioAuth(credentials);
  } catch (err) {
    if (!(err instanceof CredentialsError)) throw err;
    return { name, status: 'warn', detail: 'skipped: no Twilio credentials' };
  }
  const client = createRestClient({ ...auth, baseUrl: c.twilio.apiBaseUrl, region: c.twilio.region, edge: c.twilio.edge, maxRetries: 0, timeoutMs: 5000 });
  try {
    const n = await findNumber(client, c.fromNumber);
    if (!n) return { name, status: 'fail', detail: `${c.fromNumber} is not one of this account's numbers`, fix: '`' + hintCommand('numbers list') + '` shows them.', exitCode: ExitCode.config };
    const want = c.publicUrl.replace(/\/+$/, '') + c.serve.path;
    if (n.sms_url === want) return { name, status: 'pass', detail: `${n.phone_number} sends texts to ${want}` };
    return { name, status: 'warn', detail: `${n.phone_number} sends texts to ${n.sms_url ?? 'nowhere'}, not ${want}`, fix: `${commandPrefix()} numbers configure ${n.phone_number} --to-serve (or serve --configure-number)` };
  } catch (err) {
    return { name, status: 'warn', detail: `could not ask the API about ${c.fromNumber}: ${(err as Error).message}`, fix: (err as { hint?: string }).hint };
  } finally {
    await client.close();
  }
};

export const DOCTOR_CHECKS: Check[] = [nodeCheck, configCheck, envNamesCheck, inboundPolicyCheck, credentialStoreCheck, credentialsCheck, storeCheck, webhookCheck, signatureCheck, numberCheck];

/**
 * The checks of the configuration as it stands, without asking Twilio anything (OpenClaw's `doctor`
 * runs them for the Gateway's channel: src/openclaw/doctor-findings.ts). configCheck goes first: the
 * others read the resolution it leaves.
 */
export const OFFLINE_CONFIG_CHECKS: Check[] = [configCheck, inboundPolicyCheck, credentialsCheck, storeCheck, webhookCheck, signatureCheck];

export async function runDoctor(input: DoctorInput): Promise<CheckResult[]> {
  return (await runChecks(input)).results;
}

/** The results, and the facts they were drawn from (the configuration, the credentials). */
export async function runChecks(input: DoctorInput, only?: readonly Check[]): Promise<{ results: CheckResult[]; state: DoctorState }> {
  const state: DoctorState = { input };
  const results: CheckResult[] = [];
  const checks = only ?? (input.probe ? [...DOCTOR_CHECKS, ...(await import('./probe.js')).createProbeChecks()] : DOCTOR_CHECKS);
  for (const check of checks) results.push(await check(state));
  return { results, state };
}
