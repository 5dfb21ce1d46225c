/**
 * The OS credential store through @napi-rs/keyring: Windows Credential Manager, macOS Keychain,
 * Secret Service (libsecret, e.g. gnome-keyring) on Linux. One entry per profile and secret.
 */
import { CredentialsError } from '../errors.js';

export const KEYCHAIN_SERVICE = 'openclaw-telephony';

export interface SecretStore {
  get(account: string): Promise<string | null>;
  set(account: string, value: string): Promise<void>;
  delete(account: string): Promise<boolean>;
}

export function keychainAccount(profile: string, key: string): string {
  return `${profile}/${key}`;
}

export const NO_STORE_HINT =
  'No OS credential store is reachable. On a desktop, unlock your keyring; on a headless Linux server, ' +
  'either set the environment variables (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, ...) or run a Secret Service ' +
  '(for example `dbus-run-session -- sh -c "gnome-keyring-daemon --unlock --components=secrets; ..."`). ' +
  'Secrets are never written to a plain-text file.';

export function createKeychainStore(service = KEYCHAIN_SERVICE): SecretStore {
  const entry = async (account: string) => {
    const { AsyncEntry } = await import('@napi-rs/keyring');
    // On Linux pin the Secret Service: the library would otherwise fall back to the kernel keyring,
    // which forgets everything at reboot without saying so.
    return new AsyncEntry(service, account, process.platform === 'linux' ? { linux: { store: 'secret-service' } } : undefined);
  };
  const fail = (action: string, err: unknown): never => {
    const reason = err instanceof Error ? err.message : String(err);
    throw new CredentialsError(`The OS credential store could not ${action}: ${reason}`, NO_STORE_HINT, 'credential_store_unavailable');
  };
  return {
    async get(account) {
      try {
        return (await (await entry(account)).getPassword()) ?? null;
      } catch (err) {
        return fail('be read', err);
      }
    },
    async set(account, value) {
      try {
        await (await entry(account)).setPassword(value);
      } catch (err) {
        fail('be written', err);
      }
    },
    async delete(account) {
      try {
        return await (await entry(account)).deleteCredential();
      } catch (err) {
        return fail('be changed', err);
      }
    },
  };
}
