/** `auth login | status | logout`: Twilio credentials in the OS credential store. */
import { CredentialsError, TwilioApiError, UserError } from '../../errors.js';
import { CREDENTIAL_KEYS } from '../../secrets/credentials.js';
import { keychainAccount } from '../../secrets/keychain.js';
import { registerSecret } from '../../secrets/redact.js';
import { createRestClient } from '../../twilio/rest-client.js';
import { locateSandbox } from '../../discovery/sandbox-registry.js';
import type { CommandContext } from '../context.js';
import { formatTable } from '../output.js';
import { ask, readAllStdin } from '../prompt.js';
import { loadSettings } from '../../config/settings.js';
import { commandPrefix } from '../../command-prefix.js';

const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;

export async function authLogin(ctx: CommandContext): Promise<number> {
  const { opts, global, out } = ctx;
  const settings = await loadSettings(global, { allowUnknownProfile: true });
  // The credential store first: without one nothing can be stored, so asking for the token or
  // checking it against the network would be wasted (and offline, misleading).
  await settings.keychain.get(keychainAccount(settings.resolution.profile, 'twilio.accountSid'));
  const interactive = process.stdin.isTTY === true && !opts.authTokenStdin;
  let accountSid = (opts.accountSid as string | undefined)?.trim();
  if (!accountSid) {
    if (!interactive) {
      throw new UserError('No Account SID given.', { code: 'usage', hint: 'For scripts: `auth login --account-sid AC... --auth-token-stdin` with the token on standard input.' });
    }
    accountSid = (await ask('Account SID (AC...): ')).trim();
  }
  if (!ACCOUNT_SID.test(accountSid)) {
    throw new UserError(`"${accountSid}" is not an Account SID.`, { code: 'invalid_account_sid', hint: 'It is "AC" followed by 32 hex characters; find it on the Twilio console home page.' });
  }
  const token = (opts.authTokenStdin ? await readAllStdin() : interactive ? await ask('Auth Token (hidden): ', { hidden: true }) : '').trim();
  if (!token) {
    throw new UserError('No Auth Token given.', { code: 'usage', hint: 'Type it at the prompt, or pipe it in with --auth-token-stdin.' });
  }
  registerSecret(token);

  if (opts.verify !== false) {
    const baseUrl = global.sandbox ? locateSandbox(settings.resolution.config.twilio.apiBaseUrl) : settings.resolution.config.twilio.apiBaseUrl;
    const client = createRestClient({ accountSid, username: accountSid, password: token, baseUrl, region: settings.resolution.config.twilio.region, edge: settings.resolution.config.twilio.edge });
    try {
      await client.request('GET', `/2010-04-01/Accounts/${accountSid}.json`);
    } catch (err) {
      if (err instanceof TwilioApiError && (err.status === 401 || err.status === 403 || err.status === 404)) {
        throw new CredentialsError('Twilio refused this Account SID and Auth Token; nothing was stored.', 'Copy both again from the Twilio console (or skip the check with --no-verify).', 'credentials_rejected');
      }
      throw err;
    } finally {
      await client.close();
    }
  }
  const profile = settings.resolution.profile;
  await settings.keychain.set(keychainAccount(profile, 'twilio.accountSid'), accountSid);
  await settings.keychain.set(keychainAccount(profile, 'twilio.authToken'), token);
  out.result({ stored: true, profile, accountSid, verified: opts.verify !== false, store: 'keychain' }, () =>
    `Stored the Account SID and Auth Token for profile "${profile}" in the OS credential store${opts.verify !== false ? ' (verified with the API)' : ''}.`,
  );
  return 0;
}

export async function authStatus(ctx: CommandContext): Promise<number> {
  const settings = await loadSettings(ctx.global, { tolerateErrors: true, allowUnknownProfile: true });
  const { statuses, storeError } = await settings.credentials();
  const data = {
    profile: settings.resolution.profile,
    credentialStore: { available: storeError === undefined, error: storeError ?? null },
    credentials: statuses.map((s) => ({ key: s.key, set: s.set, source: s.source ?? null, ...(s.envName ? { envName: s.envName } : {}) })),
  };
  ctx.out.result(data, () => {
    const rows = [['CREDENTIAL', 'SET', 'SOURCE']];
    for (const s of statuses) rows.push([s.key, s.set ? 'yes' : 'no', s.source ? (s.envName ? `env (${s.envName})` : s.source) : '-']);
    const store = storeError ? `credential store: unavailable (${storeError})` : 'credential store: available';
    return `profile: ${data.profile}\n${store}\n\n${formatTable(rows)}`;
  });
  return 0;
}

export async function authLogout(ctx: CommandContext): Promise<number> {
  const settings = await loadSettings(ctx.global, { tolerateErrors: true, allowUnknownProfile: true });
  const profile = settings.resolution.profile;
  const removed: string[] = [];
  for (const key of CREDENTIAL_KEYS) if (await settings.keychain.delete(keychainAccount(profile, key))) removed.push(key);
  ctx.out.result({ profile, removed }, () =>
    removed.length ? `Removed ${removed.join(', ')} of profile "${profile}" from the OS credential store.` : `Nothing was stored for profile "${profile}".`,
  );
  return 0;
}

export async function authSet(ctx: CommandContext, key: string): Promise<number> {
  const settings = await loadSettings(ctx.global, { tolerateErrors: true, allowUnknownProfile: true });
  const value = (process.stdin.isTTY ? await ask(`${key} (hidden): `, { hidden: true }) : await readAllStdin()).trim();
  if (!value) throw new UserError(`No value given for ${key}; nothing was stored.`, { code: 'usage', hint: `Pipe it in: ... | ${commandPrefix()} auth set ${key}` });
  registerSecret(value);
  const profile = settings.resolution.profile;
  await settings.keychain.set(keychainAccount(profile, key), value);
  ctx.out.result({ stored: true, profile, key, store: 'keychain' }, () => `Stored ${key} for profile "${profile}" in the OS credential store.`);
  return 0;
}
