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
  credentials: ResolvedCredentials;
  keychain: SecretStore;
}

export async function loadSettings(global: GlobalOptions, opts: { tolerateErrors?: boolean } = {}): Promise<Settings> {
  const resolution = await resolveConfig({ configFile: global.config, profile: global.profile, tolerateErrors: opts.tolerateErrors });
  const keychain = createKeychainStore();
  const credentials = await resolveCredentials(resolution, keychain);
  return { resolution, credentials, keychain };
}
