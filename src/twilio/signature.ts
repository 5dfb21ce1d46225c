/**
 * Twilio webhook signatures: HMAC-SHA1 over the URL and the sorted form parameters, base64.
 * `computeSignature` is what the sandbox signs with; `validateSignature` is what `serve` checks.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type SignedParams = Record<string, string | readonly string[]>;

export function computeSignature(authToken: string, url: string, params: SignedParams = {}): string {
  let data = url;
  for (const key of Object.keys(params).sort()) {
    const value = params[key];
    if (Array.isArray(value)) for (const v of [...new Set(value)].sort()) data += key + v;
    else data += key + (value as string);
  }
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

export function bodySha256(body: string): string {
  return createHash('sha256').update(body).digest('hex');
}

/** The URL forms Twilio may have signed: as given, without the port, with the default port, each also with a legacy query string. */
export function candidateUrls(url: string): string[] {
  const out = new Set<string>();
  const u = new URL(url.split('#')[0]);
  const defaultPort = u.protocol === 'https:' ? '443' : '80';
  const withoutPort = new URL(u.href);
  withoutPort.port = '';
  const withPort = new URL(withoutPort.href);
  // URL drops a default port when it is set; build that form as a string.
  const withPortText = withPort.href.replace(withPort.host, `${withPort.hostname}:${defaultPort}`);
  for (const base of [u.href, withoutPort.href, withPortText]) {
    out.add(base);
    out.add(legacyQueryForm(base));
  }
  return [...out];
}

// Node's legacy querystring form: the query re-serialized so that `'` is escaped as %27.
function legacyQueryForm(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  const parts: string[] = [];
  for (const [k, v] of params) parts.push(`${legacyEscape(k)}=${legacyEscape(v)}`);
  return `${url.slice(0, q)}?${parts.join('&')}`;
}

function legacyEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * True when `signature` matches any candidate form of `url` with these form parameters. Each
 * comparison is constant-time; stopping at the first match reveals only which URL form Twilio used,
 * which is no secret, and spares five HMACs on every genuine webhook.
 */
export function validateSignature(authToken: string, signature: string, url: string, params: SignedParams = {}): boolean {
  if (safeEqual(computeSignature(authToken, url.split('#')[0], params), signature)) return true;
  return candidateUrls(url).some((candidate) => safeEqual(computeSignature(authToken, candidate, params), signature));
}

/** For JSON bodies: the URL carries bodySHA256, the signature covers the URL alone. */
export function validateSignatureWithBody(authToken: string, signature: string, url: string, body: string): boolean {
  const expected = new URL(url.split('#')[0]).searchParams.get('bodySHA256');
  if (!expected || !safeEqual(bodySha256(body), expected)) return false;
  return validateSignature(authToken, signature, url, {});
}
