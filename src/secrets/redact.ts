/**
 * Redaction of secrets in every log line, error message and printed config. Each secret value the
 * tool resolves is registered here, and `redact` replaces any occurrence of it.
 */
const known = new Set<string>();

export const REDACTED = '[redacted]';

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
  // All of a URL's userinfo: `https://user:pass@host` and `https://token@host` alike.
  if (out.includes('@') && out.includes('://')) out = out.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s@?#]+@/gi, `$1${REDACTED}@`);
  return out;
}

/** Shows that a secret is set without showing it: the last 4 characters of a long value. */
export function maskSecret(value: string): string {
  return value.length > 12 ? `${'*'.repeat(8)}${value.slice(-4)}` : '*'.repeat(8);
}
