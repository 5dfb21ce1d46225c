/**
 * Where each credential comes from, in order: flags, environment, OS credential store, config file.
 * Never a plain-text file of our own: when no credential store is reachable, we say so.
 */
import { CredentialsError } from '../errors.js';
import type { ConfigResolution, ValueSource } from '../config/resolve.js';
import { getPath } from '../config/resolve.js';
import { listLeaves } from '../config/schema.js';
import { keychainAccount, NO_STORE_HINT, type SecretStore } from './keychain.js';
import { registerSecret } from './redact.js';
import { commandPrefix } from '../command-prefix.js';

export const CREDENTIAL_KEYS = listLeaves().filter((l) => l.spec.credential).map((l) => l.path);

export interface CredentialStatus {
  key: string;
  set: boolean;
  source?: ValueSource;
  /** The environment variable it came from, when the source is `env`. */
  envName?: string;
  secret: boolean;
}

export interface ResolvedCredentials {
  values: Record<string, string | undefined>;
  statuses: CredentialStatus[];
  /** Why the credential store could not be read, when it could not. */
  storeError?: string;
}

/**
 * The credential leaves: flags and env as resolved, else the OS store, else the file. The resolution
 * itself stays as it was (it is frozen); callers read credentials from the answer.
 */
export async function resolveCredentials(resolution: ConfigResolution, store: SecretStore): Promise<ResolvedCredentials> {
  const values: Record<string, string | undefined> = {};
  const statuses: CredentialStatus[] = [];
  let storeError: string | undefined;
  for (const key of CREDENTIAL_KEYS) {
    let source = resolution.sources[key];
    let value = getPath(resolution.config, key) as string | undefined;
    if (source !== 'flag' && source !== 'env' && storeError === undefined) {
      try {
        const stored = await store.get(keychainAccount(resolution.profile, key));
        if (stored) {
          value = stored;
          source = 'keychain';
        }
      } catch (err) {
        storeError = err instanceof Error ? err.message : String(err);
      }
    }
    const secret = listLeaves().find((l) => l.path === key)!.spec.secret === true;
    if (secret) registerSecret(value);
    values[key] = value;
    statuses.push({ key, set: Boolean(value), source: value ? source : undefined, envName: resolution.envNames[key], secret });
  }
  return { values, statuses, storeError };
}

/** The pair used for REST Basic auth: an API key and secret when both are set, else the account SID and token. */
export function requireTwilioAuth(creds: ResolvedCredentials): { accountSid: string; username: string; password: string } {
  const { values } = creds;
  const accountSid = values['twilio.accountSid'];
  // The ways forward first; why the credential store could not help comes last, as detail.
  const missing = (what: string) =>
    new CredentialsError(
      `No ${what} is configured.`,
      'Try it offline with --sandbox (the local Twilio), store your account with `' + commandPrefix() + ' auth login`, or set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN.' +
        // storeError already says the store could not be read (keychain.ts): said once, then the way out.
        (creds.storeError ? ` (${creds.storeError.replace(/\.$/, '')}. ${NO_STORE_HINT})` : ''),
      'credentials_missing',
    );
  if (!accountSid) throw missing('Twilio Account SID');
  if (values['twilio.apiKey'] && values['twilio.apiSecret']) {
    return { accountSid, username: values['twilio.apiKey'], password: values['twilio.apiSecret'] };
  }
  const token = values['twilio.authToken'];
  if (!token) throw missing('Twilio Auth Token');
  return { accountSid, username: accountSid, password: token };
}
