/**
 * Loads what most commands need from the global options: the resolved configuration, the
 * credentials, and (on demand) a REST client pointed at Twilio or the sandbox.
 */
import type { ConfigResolution } from '../config/resolve.js';
import { resolveConfig } from '../config/resolve.js';
import { resolveCredentials, type ResolvedCredentials } from '../secrets/credentials.js';
import { createKeychainStore, type SecretStore } from '../secrets/keychain.js';
import type { GlobalOptions } from './context.js';

export interface Settings {
  resolution: ConfigResolution;
  /** Read from flags, env, the OS credential store and the file on first use (the sandbox needs none). */
  credentials(): Promise<ResolvedCredentials>;
  keychain: SecretStore;
}

export async function loadSettings(global: GlobalOptions, opts: { tolerateErrors?: boolean } = {}): Promise<Settings> {
  const resolution = await resolveConfig({ configFile: global.config, profile: global.profile, tolerateErrors: opts.tolerateErrors });
  const keychain = createKeychainStore();
  let credentials: Promise<ResolvedCredentials> | undefined;
  return { resolution, keychain, credentials: () => (credentials ??= resolveCredentials(resolution, keychain)) };
}
