/**
 * Environment variables named OPENCLAW_TELEPHONY_* that this tool does not read: a misspelling such as
 * OPENCLAW_TELEPHONY_FROMNUMBER (the rule makes fromNumber FROM_NUMBER) is otherwise silently
 * ignored, and a PowerShell job then sends from the default sender or fails later. `config validate`
 * and `doctor` name each one with the closest name that is read.
 */
import { envNameFor, listLeaves } from './schema.js';
import { closest } from './validate.js';

const PREFIX = 'OPENCLAW_TELEPHONY_';

/** The variables read beside the configuration keys' own (folders, profile, logging, the sandbox, tailscale, fault injection). */
const NOT_KEYS = ['CONFIG', 'CONFIG_DIR', 'DATA_DIR', 'CACHE_DIR', 'PROFILE', 'LOG', 'SANDBOX_URL', 'SANDBOX_PORT', 'TAILSCALE', 'FAULT_CRASH_AFTER_SENDS'].map((n) => PREFIX + n);

// The test suite's and benchmarks' own switches are theirs, not misspellings.
const TOOLING = /^OPENCLAW_TELEPHONY_(TEST|BENCH)_/;

export function knownEnvNames(): string[] {
  const keys = listLeaves().flatMap(({ path, spec }) => [envNameFor(path), ...(spec.env ?? []).filter((n) => n.startsWith(PREFIX))]);
  return [...new Set([...keys, ...NOT_KEYS])];
}

export interface UnknownEnvName {
  name: string;
  /** The closest variable that is read, when one is close. */
  suggestion?: string;
}

/** The unread OPENCLAW_TELEPHONY_* names set in `env`, each with the closest read one. */
export function unknownEnvNames(env: NodeJS.ProcessEnv = process.env): UnknownEnvName[] {
  const known = knownEnvNames();
  const read = new Set(known);
  // Windows' environment ignores case (a variable set as openclaw_telephony_log is read); others do not.
  const asRead = (name: string) => (process.platform === 'win32' ? name.toUpperCase() : name);
  const bySquashed = new Map(known.map((n) => [squash(n), n]));
  return Object.keys(env)
    .filter((name) => name.toUpperCase().startsWith(PREFIX) && !read.has(asRead(name)) && !TOOLING.test(name.toUpperCase()))
    .sort()
    .map((name) => {
      // FROMNUMBER for FROM_NUMBER: the same letters with the underscores elsewhere.
      // Else the nearest by spelling, the shared prefix left out (it would make any name look close).
      const near = closest(name.toUpperCase().slice(PREFIX.length), known.map((n) => n.slice(PREFIX.length)));
      const suggestion = bySquashed.get(squash(name)) ?? (near && PREFIX + near);
      return suggestion ? { name, suggestion } : { name };
    });
}

const squash = (name: string) => name.toUpperCase().replace(/_/g, '');

/** The warning for one: what is wrong, and the fix. */
export function unknownEnvWarning(u: UnknownEnvName): { message: string; hint: string } {
  return {
    message: `the environment variable ${u.name} is not one this tool reads, so it changes nothing${u.suggestion ? `: did you mean ${u.suggestion}?` : ''}`,
    hint: u.suggestion ? `Rename it ${u.suggestion} (or unset it).` : 'Unset it. A key\'s variable is OPENCLAW_TELEPHONY_ and the key in capitals, _ between words and dots: sms.maxLength is OPENCLAW_TELEPHONY_SMS_MAX_LENGTH.',
  };
}
