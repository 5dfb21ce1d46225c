/**
 * Redaction of secrets in every log line, error message and printed config. Each secret value the
 * tool resolves is registered here, and `redact` replaces any occurrence of it.
 */
import { mayHoldUrlSecret, REDACTED, redactUrl } from './redact-url.js';

export { REDACTED } from './redact-url.js';

const known = new Set<string>();

// A URL as it sits in text: up to whitespace, a quote or an angle bracket.
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;

export function registerSecret(value: string | undefined | null): void {
  // Very short values would redact ordinary words; real tokens are long.
  if (value && value.length >= 8) known.add(value);
}

export function redact(text: string): string {
  // Every log value and line passes through here (several times per webhook), so each rule first checks
  // cheaply whether it can apply at all: most text holds no secret, no header and no userinfo.
  let out = text;
  for (const secret of known) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  // Authorization headers and credentials in URLs, whatever their value.
  if (/authorization/i.test(out)) out = out.replace(/(authorization:\s*(?:basic|bearer)\s+)[^\s"',]+/gi, `$1${REDACTED}`);
  // Credentials in URLs (redact-url.ts): userinfo (`https://user:pass@host`, `https://token@host`) and secret query values.
  if (out.includes('://') && mayHoldUrlSecret(out)) out = out.replace(URL_IN_TEXT, (url) => (mayHoldUrlSecret(url) ? redactUrl(url) : url));
  return out;
}

/** Shows that a secret is set without showing it: the last 4 characters of a long value. */
export function maskSecret(value: string): string {
  return value.length > 12 ? `${'*'.repeat(8)}${value.slice(-4)}` : '*'.repeat(8);
}
