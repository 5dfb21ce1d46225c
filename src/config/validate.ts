/**
 * Checks a raw `channels.telephony` object against the schema. Returns problems rather than
 * throwing, so `config validate` can list them all at once and the loader can throw the first.
 */
import { describeExpected, type GroupSpec, type LeafSpec, TELEPHONY_SCHEMA } from './schema.js';
import { commandPrefix } from '../command-prefix.js';
import { isSecretRef } from '../secrets/secret-ref.js';
import { storeUrlProblem } from '../store/store-url.js';
import { urlCarriesSecret } from '../secrets/redact-url.js';

export interface ConfigProblem {
  severity: 'error' | 'warning';
  /** Dotted key path below channels.telephony, e.g. `sms.maxLength`. */
  path: string;
  message: string;
  hint?: string;
}

/** A phone number in E.164 form (also the pattern OpenClaw checks channels.telephony with: openclaw/channel-config-schema.ts). */
export const E164 = /^\+[1-9]\d{6,14}$/;
/** An http(s) URL with a host. */
export const HTTP_URL = /^https?:\/\/[^\s/]+/;
/** A Twilio SID: its two-letter prefix, then 32 hex characters. */
export const sidPattern = (prefix: string) => new RegExp(`^${prefix}[0-9a-fA-F]{32}$`);
// Values copied from a setup guide without being filled in: ACxxxxxxxx..., your_auth_token, <token>.
const PLACEHOLDER = /x{4,}|X{4,}|^your[_ -]|^<.*>$|^\.\.\.$|changeme/i;

export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value);
}

export function validateTelephony(raw: unknown, root = 'channels.telephony'): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (!isPlainObject(raw)) {
    problems.push({ severity: 'error', path: '', message: `${root} must be an object`, hint: `Write ${root}: { ... } in the file.` });
    return problems;
  }
  const { profiles, ...rest } = raw;
  walkGroup(TELEPHONY_SCHEMA, rest, '', problems);
  if (profiles !== undefined) {
    if (!isPlainObject(profiles)) {
      problems.push({ severity: 'error', path: 'profiles', message: 'profiles must be an object of named overlays', hint: 'e.g. profiles: { work: { fromNumber: "+15550001234" } }' });
    } else {
      for (const [name, overlay] of Object.entries(profiles)) {
        if (!isPlainObject(overlay)) {
          problems.push({ severity: 'error', path: `profiles.${name}`, message: `profile "${name}" must be an object` });
          continue;
        }
        const inner: ConfigProblem[] = [];
        walkGroup(TELEPHONY_SCHEMA, overlay, '', inner);
        for (const p of inner) problems.push({ ...p, path: `profiles.${name}.${p.path}` });
      }
    }
  }
  return problems;
}

/** Keys earlier versions accepted although nothing read them: refused with the reason, not as unknown. */
const REMOVED_KEYS: Record<string, string> = {
  'voice.maxDurationSeconds': 'nothing read it. serve answers a call at once (a short notice, a pairing code or a rejection) and no command places calls yet; a call time limit comes back with them.',
};

function walkGroup(spec: GroupSpec, value: Record<string, unknown>, prefix: string, out: ConfigProblem[]): void {
  const known = Object.keys(spec.children);
  for (const [key, child] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    // Own keys only: `constructor`, `toString` or `__proto__` must not find Object.prototype's members.
    const childSpec = Object.hasOwn(spec.children, key) ? spec.children[key] : undefined;
    if (!childSpec && Object.hasOwn(REMOVED_KEYS, path)) {
      out.push({ severity: 'error', path, message: `"${path}" is no longer a setting: ${REMOVED_KEYS[path]}`, hint: 'Delete it from the file.' });
      continue;
    }
    if (!childSpec) {
      const guess = closest(key, prefix ? known : [...known, 'profiles']);
      out.push({
        severity: 'error',
        path,
        message: `unknown key "${path}"${guess ? `; did you mean "${prefix ? prefix + '.' : ''}${guess}"?` : ''}`,
        hint: guess ? `Rename it to "${guess}".` : `Known keys here: ${known.join(', ')}.`,
      });
      continue;
    }
    if (childSpec.kind === 'group') {
      if (!isPlainObject(child)) out.push({ severity: 'error', path, message: `"${path}" must be an object`, hint: `Write ${key}: { ... }.` });
      else walkGroup(childSpec, child, path, out);
      continue;
    }
    // A secret may be an OpenClaw SecretRef instead of a value (resolved in resolve.ts).
    if (childSpec.secret && isSecretRef(child)) continue;
    const problem = checkLeaf(childSpec, child);
    if (problem) out.push({ severity: 'error', path, ...problem });
    else if (path === 'store.url' && typeof child === 'string' && /^postgres(ql)?:\/\//i.test(child) && urlCarriesSecret(child)) {
      out.push({
        severity: 'warning',
        path,
        message: '"store.url" carries the database password in plain text in the config file',
        hint: 'Remove the password from the URL and give it to each process in PGPASSWORD (or ~/.pgpass; %APPDATA%\\postgresql\\pgpass.conf on Windows), or set store.url in the environment (OPENCLAW_TELEPHONY_STORE_URL) instead of the file.',
      });
    } else if (childSpec.secret && typeof child === 'string' && child !== '') {
      out.push({
        severity: 'warning',
        path,
        message: `"${path}" is a secret written in plain text in the config file`,
        hint: 'Move it to the OS credential store with `' + commandPrefix() + ' auth login` (or an environment variable) and delete it from the file.',
      });
    }
  }
}

/** Returns a problem for a value that does not fit its leaf, or undefined when it fits. */
export function checkLeaf(spec: LeafSpec, value: unknown): { message: string; hint?: string } | undefined {
  const expected = describeExpected(spec);
  const bad = (why?: string) => ({ message: why ?? `expected ${expected}, got ${JSON.stringify(value)}`, hint: spec.hint ?? `Set it to ${expected}.` });
  if (typeof value === 'string' && isPlaceholder(value)) {
    return { message: `${JSON.stringify(value)} is a placeholder, not a real value`, hint: `Replace it with ${expected}.` };
  }
  switch (spec.kind) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : bad();
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return bad();
      if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) return bad(`${value} is out of range: expected ${expected}`);
      return undefined;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return bad();
      if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) return bad(`${value} is out of range: expected ${expected}`);
      return undefined;
    case 'enum':
      return typeof value === 'string' && spec.values!.includes(value) ? undefined : bad();
    case 'e164':
      return typeof value === 'string' && E164.test(value) ? undefined : bad();
    case 'e164List':
      return Array.isArray(value) && value.every((v) => typeof v === 'string' && (E164.test(v) || (spec.wildcard && v === '*'))) ? undefined : bad();
    case 'stringList':
      return Array.isArray(value) && value.every((v) => typeof v === 'string') ? undefined : bad();
    case 'command':
      if (typeof value === 'string') return value.trim() ? undefined : bad();
      return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string') && value[0].trim() ? undefined : bad();
    case 'sid':
      return typeof value === 'string' && sidPattern(spec.sidPrefix!).test(value) ? undefined : bad();
    case 'url':
      return typeof value === 'string' && HTTP_URL.test(value) ? undefined : bad();
    case 'storeUrl': {
      if (typeof value !== 'string') return bad();
      const problem = storeUrlProblem(value);
      return problem ? { message: problem, hint: `Set it to ${expected}.` } : undefined;
    }
    default:
      return typeof value === 'string' ? undefined : bad();
  }
}

/** Turns the text of an environment variable or `config set` argument into the leaf's type. */
export function parseLeafText(spec: LeafSpec, text: string): unknown {
  switch (spec.kind) {
    case 'boolean':
      if (/^(true|1|yes|on)$/i.test(text)) return true;
      if (/^(false|0|no|off)$/i.test(text)) return false;
      return text;
    case 'integer':
      return /^-?\d+$/.test(text.trim()) ? Number(text) : text;
    case 'number':
      return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
    case 'e164List':
    case 'stringList':
    case 'command':
      if (text.trim().startsWith('[')) {
        try {
          return JSON.parse(text);
        } catch {
          return text; // not JSON: kept as text, so the check that follows says it is not a list
        }
      }
      // A command line is one string (commas and all); a list's text is split at its commas.
      return spec.kind === 'command' ? text : text.split(',').map((s) => s.trim()).filter(Boolean);
    default:
      return text;
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The candidate nearest to `word` by edit distance, if it is near enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}
