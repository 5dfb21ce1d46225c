/**
 * The one rule for credentials inside a URL, used for store URLs (describeStoreUrl, storeUrlProblem)
 * and for every URL in logs and errors (redact.ts): the whole userinfo goes, and so does the value of
 * each query parameter that carries a secret (PostgreSQL takes `?password=` and `?sslpassword=` as
 * readily as `//user:password@`).
 */
export const REDACTED = '[redacted]';

// libpq/pg's secret parameters, and the usual names of tokens and signatures in other URLs.
const SECRET_PARAM = /^(password|passwd|pwd|pass|sslpassword|sslkey|secret|client_secret|token|access_token|auth_token|api_?key|apikey|sig|signature)$/i;
const SECRET_PARAM_IN_TEXT = /[?&](password|passwd|pwd|pass|sslpassword|sslkey|secret|client_secret|token|access_token|auth_token|api_?key|apikey|sig|signature)=/i;

/** Whether redactUrl could change this URL: cheap, for text that passes here often (every log line). */
export function mayHoldUrlSecret(url: string): boolean {
  return url.includes('@') || SECRET_PARAM_IN_TEXT.test(url);
}

/** `url` with its userinfo and secret query values replaced by [redacted]; anything else is kept as written. */
export function redactUrl(url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  if (!scheme) return url;
  let rest = url.slice(scheme[0].length);
  const userinfoEnd = userinfoLength(url, rest);
  if (userinfoEnd >= 0) rest = `${REDACTED}${rest.slice(userinfoEnd)}`;
  return scheme[0] + redactQuery(rest);
}

/** Whether `url` carries a secret: a password in its userinfo (`user:secret@`) or a secret query parameter. */
export function urlCarriesSecret(url: string): boolean {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  if (!scheme) return false;
  const rest = url.slice(scheme[0].length);
  const userinfoEnd = userinfoLength(url, rest);
  return (userinfoEnd >= 0 && rest.slice(0, userinfoEnd).includes(':')) || SECRET_PARAM_IN_TEXT.test(rest);
}

/**
 * Where the userinfo ends (the `@` before the host), or -1 when there is none: the last @ before the
 * query (pg reads a raw @ in a password so, and a raw / or # in one still ends up cut), or, in a URL no
 * parser accepts (a raw ? in a password), the last @ of all.
 */
function userinfoLength(url: string, rest: string): number {
  try {
    new URL(url);
  } catch {
    return rest.lastIndexOf('@');
  }
  const query = rest.indexOf('?');
  return (query < 0 ? rest : rest.slice(0, query)).lastIndexOf('@');
}

/** The query's secret values replaced, the rest untouched (no re-encoding: the URL stays as written). */
function redactQuery(rest: string): string {
  const q = rest.indexOf('?');
  if (q < 0) return rest;
  const hash = rest.indexOf('#', q);
  const query = rest.slice(q + 1, hash < 0 ? undefined : hash);
  const redacted = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq > 0 && SECRET_PARAM.test(safeDecode(pair.slice(0, eq))) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
    })
    .join('&');
  return rest.slice(0, q + 1) + redacted + (hash < 0 ? '' : rest.slice(hash));
}

function safeDecode(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}
