/**
 * What most commands and core verbs need from the global options: the resolved configuration, the
 * credentials (read on first use), and the OS credential store. Lives below the CLI so core modules
 * (messaging, twilio, server) take it without importing the command layer.
 */
import { resolveCredentials, type ResolvedCredentials } from '../secrets/credentials.js';
import { createKeychainStore, type SecretStore } from '../secrets/keychain.js';
import { requireKnownProfile } from './profiles.js';
import { type ConfigResolution, resolveConfig } from './resolve.js';

export interface Settings {
  resolution: ConfigResolution;
  /** Read from flags, env, the OS credential store and the file on first use (the sandbox needs none). */
  credentials(): Promise<ResolvedCredentials>;
  keychain: SecretStore;
}

/** Which configuration to load: `--config` and `--profile` (the CLI's global options fit this shape). */
export interface SettingsSource {
  config?: string;
  profile?: string;
}

/**
 * `allowUnknownProfile`: the auth commands create a profile's credentials, or show or remove them,
 * so a profile that does not exist yet is fine for them; every other command refuses it.
 */
export async function loadSettings(source: SettingsSource, opts: { tolerateErrors?: boolean; allowUnknownProfile?: boolean } = {}): Promise<Settings> {
  const resolution = await resolveConfig({ configFile: source.config, profile: source.profile, tolerateErrors: opts.tolerateErrors });
  const keychain = createKeychainStore();
  if (!opts.allowUnknownProfile) await requireKnownProfile(resolution, keychain);
  let credentials: Promise<ResolvedCredentials> | undefined;
  return { resolution, keychain, credentials: () => (credentials ??= resolveCredentials(resolution, keychain)) };
}
