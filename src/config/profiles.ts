/**
 * `--profile NAME` (or OPENCLAW_TELEPHONY_PROFILE) must name a profile that exists: `default`, an
 * overlay under `profiles` in the configuration file, or a credential set stored with
 * `auth login --profile NAME`. A misspelt name would otherwise run silently on the defaults.
 */
import { ConfigError } from '../errors.js';
import { keychainAccount, type SecretStore } from '../secrets/keychain.js';
import type { ConfigResolution } from './resolve.js';
import { listLeaves } from './schema.js';
import { commandPrefix } from '../command-prefix.js';

/** `default` and the profiles the configuration file defines. */
export function profilesInFile(resolution: ConfigResolution): string[] {
  const profiles = resolution.file?.telephony.profiles;
  const names = profiles && typeof profiles === 'object' && !Array.isArray(profiles) ? Object.keys(profiles) : [];
  return ['default', ...names.filter((n) => n !== 'default')];
}

async function hasStoredCredentials(profile: string, keychain: SecretStore): Promise<boolean> {
  const keys = listLeaves().filter((l) => l.spec.credential).map((l) => l.path);
  // No reachable credential store means no stored profile either.
  const found = await Promise.all(keys.map((key) => keychain.get(keychainAccount(profile, key)).then(Boolean, () => false)));
  return found.some(Boolean);
}

export async function requireKnownProfile(resolution: ConfigResolution, keychain: SecretStore): Promise<void> {
  const known = profilesInFile(resolution);
  if (known.includes(resolution.profile) || (await hasStoredCredentials(resolution.profile, keychain))) return;
  const where = resolution.file ? `in ${resolution.file.filepath}` : 'because no configuration file was found';
  throw new ConfigError(
    `There is no profile "${resolution.profile}": the known profiles are ${known.map((n) => `"${n}"`).join(', ')} (none has stored credentials under that name, and none is defined ${where}).`,
    `Use one of those, define it under channels.telephony.profiles.${resolution.profile} in the configuration file, or store its credentials with \`${commandPrefix()} auth login --profile ${resolution.profile}\`.`,
    'unknown_profile',
  );
}
