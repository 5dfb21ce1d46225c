/**
 * The Twilio REST client: Basic auth, form-encoded bodies, retries with backoff and Retry-After, and
 * Twilio's error documents mapped to TwilioApiError. The sandbox and the real API differ only in
 * `baseUrl` and credentials.
 *
 * It uses Node's built-in fetch, which is undici with a keep-alive connection pool: importing the
 * undici 7 package instead cost ~145 ms of start-up on the reference machine (fetch's first call
 * ~35 ms), and `send` has a 250 ms budget.
 */
import { NetworkError, TwilioApiError } from '../errors.js';

export type FormValue = string | number | boolean | readonly string[] | undefined | null;
export type FormParams = Record<string, FormValue>;

export interface RestClientOptions {
  accountSid: string;
  /** Basic auth user: the account SID or an API key SID. */
  username: string;
  /** Basic auth password: the auth token or the API key secret. */
  password: string;
  /** @default https://api.twilio.com (or the regional host from region and edge) */
  baseUrl?: string;
  region?: string;
  edge?: string;
  /** Retries after the first try for 429, 503 and (for safe methods) other 5xx and network errors. @default 3 */
  maxRetries?: number;
  /** @default 30000 */
  timeoutMs?: number;
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
  sleep?: (ms: number) => Promise<void>;
}

export interface RequestOptions {
  query?: FormParams;
  body?: FormParams;
  /**
   * Retry 5xx other than 503, and network errors, even for POST. Off by default: a POST whose answer
   * was lost may have taken effect, and resending it would act twice.
   */
  retryUnsafe?: boolean;
  /** Overrides the client's maxRetries for this request (0: the caller retries itself). */
  maxRetries?: number;
}

export interface RestClient {
  readonly accountSid: string;
  readonly baseUrl: string;
  /** `path` is absolute (`/2010-04-01/...`) or relative to the account (`Messages.json`). */
  request<T = unknown>(method: 'GET' | 'POST' | 'DELETE', path: string, opts?: RequestOptions): Promise<T>;
  /** Raw bytes of a resource, e.g. recording media. */
  download(path: string): Promise<{ contentType: string; body: Buffer }>;
  close(): Promise<void>;
}

export function resolveBaseUrl(opts: Pick<RestClientOptions, 'baseUrl' | 'region' | 'edge'>): string {
  if (opts.baseUrl) return opts.baseUrl.replace(/\/+$/, '');
  const parts = ['api', opts.edge, opts.region ?? (opts.edge ? 'us1' : undefined)].filter(Boolean);
  return `https://${parts.join('.')}.twilio.com`;
}

export function encodeForm(params: FormParams | undefined): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const v of value) form.append(key, v);
    else form.append(key, String(value));
  }
  return form.toString();
}

const RETRY_ALWAYS = new Set([429, 503]);

export function createRestClient(opts: RestClientOptions): RestClient {
  const baseUrl = resolveBaseUrl(opts);
  const maxRetries = opts.maxRetries ?? 3;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const authorization = 'Basic ' + Buffer.from(`${opts.username}:${opts.password}`).toString('base64');
  const urlFor = (path: string, query?: FormParams) => {
    const absolute = path.startsWith('/') ? path : `/2010-04-01/Accounts/${opts.accountSid}/${path}`;
    const qs = encodeForm(query);
    return `${baseUrl}${absolute}${qs ? (absolute.includes('?') ? '&' : '?') + qs : ''}`;
  };

  async function send(method: string, url: string, body: string | undefined, retryUnsafe: boolean, retries = maxRetries) {
    const safe = method === 'GET' || method === 'DELETE' || retryUnsafe;
    for (let attempt = 0; ; attempt++) {
      let reason: string;
      let retryAfterMs = 0;
      try {
        const res = await fetch(url, {
          method,
          headers: {
            authorization,
            accept: 'application/json',
            'user-agent': 'openclaw-telephony',
            ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        const retryable = RETRY_ALWAYS.has(res.status) || (safe && res.status >= 500);
        if (!retryable || attempt >= retries) return res;
        retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
        await res.body?.cancel();
        reason = `HTTP ${res.status}`;
      } catch (err) {
        if (!safe || attempt >= retries) throw networkError(err, baseUrl);
        reason = (err as Error).message;
      }
      const backoff = Math.min(10_000, 250 * 2 ** attempt);
      const delayMs = Math.max(retryAfterMs, Math.round(backoff / 2 + Math.random() * (backoff / 2)));
      opts.onRetry?.({ attempt: attempt + 1, delayMs, reason });
      await sleep(delayMs);
    }
  }

  return {
    accountSid: opts.accountSid,
    baseUrl,
    async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, ro: RequestOptions = {}) {
      const body = method === 'POST' ? encodeForm(ro.body) : undefined;
      const res = await send(method, urlFor(path, ro.query), body, ro.retryUnsafe ?? false, ro.maxRetries);
      const text = await readText(res, baseUrl);
      if (res.status >= 400) throw apiError(res.status, text, parseRetryAfter(res.headers.get('retry-after')));
      if (res.status === 204 || text === '') return undefined as T;
      return JSON.parse(text) as T;
    },
    async download(path: string) {
      const res = await send('GET', urlFor(path), undefined, false);
      const body = Buffer.from(await res.arrayBuffer());
      if (res.status >= 400) throw apiError(res.status, body.toString('utf8'));
      return { contentType: res.headers.get('content-type') ?? '', body };
    },
    // Idle keep-alive connections of the built-in pool close by themselves and never hold the process.
    close: async () => {},
  };
}

/** A body cut off mid-way is a network failure, like a connection that never answered. */
async function readText(res: Response, baseUrl: string): Promise<string> {
  try {
    return await res.text();
  } catch (err) {
    throw networkError(err, baseUrl);
  }
}

function parseRetryAfter(value: string | null): number {
  if (!value) return 0;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.min(60_000, seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.min(60_000, Math.max(0, date - Date.now())) : 0;
}

export function apiError(status: number, text: string, retryAfterMs?: number): TwilioApiError {
  try {
    const doc = JSON.parse(text) as { code?: number; message?: string; more_info?: string };
    if (typeof doc.code === 'number') return new TwilioApiError({ twilioCode: doc.code, status, message: doc.message ?? `HTTP ${status}`, moreInfo: doc.more_info, retryAfterMs });
  } catch {
    // Not Twilio's JSON error document (a proxy's HTML page, say): fall through to the status.
  }
  const fallback = status === 401 ? 20003 : status === 404 ? 20404 : status === 429 ? 20429 : 0;
  return new TwilioApiError({ twilioCode: fallback, status, message: `Twilio answered HTTP ${status}`, retryAfterMs });
}

function networkError(err: unknown, baseUrl: string): NetworkError {
  const e = err as Error & { code?: string; cause?: { code?: string } };
  const code = e.name === 'TimeoutError' ? 'timed out' : (e.cause?.code ?? e.code);
  return new NetworkError(
    `Could not reach ${baseUrl}: ${code ?? e.message}`,
    /127\.0\.0\.1|localhost/.test(baseUrl)
      ? 'Is the sandbox running? Start it with `openclaw telephony sandbox`.'
      : 'Check the network connection and any proxy; Twilio status: https://status.twilio.com',
  );
}
