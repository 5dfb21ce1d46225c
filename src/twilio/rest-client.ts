/**
 * The Twilio REST client: Basic auth, form-encoded bodies, retries with backoff and Retry-After, and
 * Twilio's error documents mapped to TwilioApiError. The sandbox and the real API differ only in
 * `baseUrl` and credentials.
 *
 * Requests go through node:http/https (`http-transport.ts`), not fetch or the undici package: both
 * cost a short command far more start-up time (measured there).
 */
import { NetworkError, RequestNotMadeError, TwilioApiError } from '../errors.js';
import { retryDelayMs, sleep as realSleep } from './backoff.js';
import { type HttpResponse, httpRequest, type TransportError } from './http-transport.js';
import { commandPrefix } from '../command-prefix.js';
import { monotonicMs } from '../monotonic-ms.js';

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
  /** Entered before every request and left when its answer is in: the account's concurrency cap (store/api-gate.ts). */
  gate?: RequestGate;
}

/**
 * A limit on the requests in flight. `enter` waits for a free place and resolves to the function that
 * frees it; when the wait ends without one (a stop, or its time limit) it throws RequestNotMadeError.
 */
export interface RequestGate {
  enter(signal?: AbortSignal): Promise<() => void>;
  /** Frees what is still held and lets the pending frees finish (before the store closes). */
  close(): Promise<void>;
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
  /** A stop while the request still waits for its place in the gate: it is not made (RequestNotMadeError, `stopped`). */
  signal?: AbortSignal;
  /**
   * Runs once the request has its place in the gate, right before it leaves (a fenced send records
   * the request there), and answers by when (monotonicMs) the request must be over: its time limit.
   * With too little time left, the request is not made (RequestNotMadeError).
   */
  beforeSend?: () => Promise<number>;
}

export interface RestClient {
  readonly accountSid: string;
  readonly baseUrl: string;
  /** `path` is absolute (`/2010-04-01/...`) or relative to the account (`Messages.json`). */
  request<T = unknown>(method: 'GET' | 'POST' | 'DELETE', path: string, opts?: RequestOptions): Promise<T>;
  /** Raw bytes of a resource, e.g. recording media. */
  download(path: string): Promise<{ contentType: string; body: Buffer }>;
  /**
   * Twilio's clock less this machine's (ms), from the `Date` header of the latest answer (whole
   * seconds, so within a second); undefined before any answer carried one.
   */
  serverClockOffsetMs(): number | undefined;
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
/** A request with less time than this left before its deadline is not made: it could not get an answer. */
const MIN_REQUEST_TIME_MS = 1000;

export function createRestClient(opts: RestClientOptions): RestClient {
  const baseUrl = resolveBaseUrl(opts);
  const maxRetries = opts.maxRetries ?? 3;
  const sleep = opts.sleep ?? realSleep;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const authorization = 'Basic ' + Buffer.from(`${opts.username}:${opts.password}`).toString('base64');
  let serverClockOffsetMs: number | undefined;
  const noteServerClock = (res: HttpResponse) => {
    const date = Date.parse(res.header('date') ?? '');
    if (Number.isFinite(date)) serverClockOffsetMs = date - Date.now();
  };
  const urlFor = (path: string, query?: FormParams) => {
    const absolute = path.startsWith('/') ? path : `/2010-04-01/Accounts/${opts.accountSid}/${path}`;
    const qs = encodeForm(query);
    return `${baseUrl}${absolute}${qs ? (absolute.includes('?') ? '&' : '?') + qs : ''}`;
  };

  /** One exchange, inside the gate when there is one; every retry waits for a place of its own. */
  async function exchange(url: string, req: Parameters<typeof httpRequest>[1], ro: Pick<RequestOptions, 'signal' | 'beforeSend'>): Promise<HttpResponse> {
    let leave: (() => void) | undefined;
    try {
      leave = await opts.gate?.enter(ro.signal);
    } catch (err) {
      // Not a network error: the request never left because its slot could not be had from the store.
      if (err instanceof RequestNotMadeError) throw err;
      // A stop (Ctrl-C, SIGTERM) while waiting for a slot: the row is not started, the store is fine.
      if (ro.signal?.aborted) throw new RequestNotMadeError('Stopped while waiting for an API request slot; this request was not made.', undefined, true);
      throw new RequestNotMadeError(`The account's API request slots could not be read from the store (${(err as Error).message}); this request was not made.`, 'Check the store (`doctor`), then run the command again.', false, 'api_slots_unavailable');
    }
    try {
      if (!ro.beforeSend) return await httpRequest(url, req);
      const timeLeftMs = (await ro.beforeSend().catch((err: unknown) => Promise.reject(new BeforeSendFailed(err)))) - monotonicMs();
      if (timeLeftMs < MIN_REQUEST_TIME_MS) throw new RequestNotMadeError('The request was not made: the store took too long to record it.', 'Check the store (doctor), then run the same command again.');
      return await httpRequest(url, { ...req, timeoutMs: Math.min(req.timeoutMs, timeLeftMs) });
    } finally {
      leave?.();
    }
  }

  async function send(method: string, url: string, body: string | undefined, retryUnsafe: boolean, retries = maxRetries, ro: Pick<RequestOptions, 'signal' | 'beforeSend'> = {}): Promise<HttpResponse> {
    const safe = method === 'GET' || method === 'DELETE' || retryUnsafe;
    const headers = {
      authorization,
      accept: 'application/json',
      'user-agent': 'openclaw-telephony',
      ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    };
    for (let attempt = 0; ; attempt++) {
      let reason: string;
      let retryAfterMs = 0;
      try {
        // A failed wait for the gate (RequestNotMadeError) made no request: it is not retried here.
        const res = await exchange(url, { method, headers, body, timeoutMs }, ro);
        noteServerClock(res);
        const retryable = RETRY_ALWAYS.has(res.status) || (safe && res.status >= 500);
        if (!retryable || attempt >= retries) return res;
        retryAfterMs = parseRetryAfter(res.header('retry-after'));
        reason = `HTTP ${res.status}`;
      } catch (err) {
        if (err instanceof RequestNotMadeError) throw err;
        if (err instanceof BeforeSendFailed) throw err.reason;
        if (!safe || attempt >= retries) throw networkError(err, baseUrl);
        reason = (err as Error).message;
      }
      const delayMs = retryDelayMs(attempt, retryAfterMs);
      opts.onRetry?.({ attempt: attempt + 1, delayMs, reason });
      await sleep(delayMs);
    }
  }

  return {
    accountSid: opts.accountSid,
    baseUrl,
    async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, ro: RequestOptions = {}) {
      const body = method === 'POST' ? encodeForm(ro.body) : undefined;
      const res = await send(method, urlFor(path, ro.query), body, ro.retryUnsafe ?? false, ro.maxRetries, ro);
      const text = res.text();
      if (res.status >= 400) throw apiError(res.status, text, parseRetryAfter(res.header('retry-after')));
      if (res.status === 204 || text === '') return undefined as T;
      return JSON.parse(text) as T;
    },
    async download(path: string) {
      const res = await send('GET', urlFor(path), undefined, false);
      if (res.status >= 400) throw apiError(res.status, res.text());
      return { contentType: res.header('content-type') ?? '', body: res.body };
    },
    serverClockOffsetMs: () => serverClockOffsetMs,
    // Idle keep-alive connections are unref'd by the agent and never hold the process.
    close: async () => {
      await opts.gate?.close();
    },
  };
}

function parseRetryAfter(value: string | undefined): number {
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
  if (fallback) return new TwilioApiError({ twilioCode: fallback, status, message: `Twilio answered HTTP ${status}`, retryAfterMs, documented: false });
  return new TwilioApiError({ twilioCode: 0, status, message: `The API answered HTTP ${status} without Twilio's error details: ${BARE_STATUS_CAUSE(status)}`, hint: BARE_STATUS_HINT(status), retryAfterMs, documented: false });
}

/** What a bare status (no Twilio error document) most likely means: something between here and Twilio answered. */
const BARE_STATUS_CAUSE = (status: number) =>
  status === 407 ? 'a proxy on the way asks for credentials' : status >= 500 ? 'a gateway or proxy on the way (or Twilio) failed, so whether the request took effect is unknown' : 'a proxy or firewall on the way refused the request';
const BARE_STATUS_HINT = (status: number) =>
  status >= 500
    ? 'Check https://status.twilio.com and any company proxy or load balancer in between, then run the same command again (a send under the same --idempotency-key checks Twilio first and sends only if nothing went out).'
    : 'Check the proxy or firewall between this machine and api.twilio.com (its rules for that host), then run the same command again.';

/** The caller's `beforeSend` failed: no request was made, and its error goes back to the caller as it was (not as a network error). */
class BeforeSendFailed extends Error {
  constructor(readonly reason: unknown) {
    super('beforeSend failed');
  }
}

function networkError(err: unknown, baseUrl: string): NetworkError {
  const e = err as Error & { code?: string; cause?: { code?: string } };
  const code = e.name === 'TimeoutError' ? 'timed out' : (e.cause?.code ?? e.code);
  const reason = code ?? e.message;
  // A TLS-inspecting proxy (common on company networks) presents its own certificate.
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/i.test(reason)) {
    return Object.assign(new NetworkError(`Could not reach ${baseUrl}: its TLS certificate is not trusted (${reason})`, 'Behind a proxy that inspects TLS, point NODE_EXTRA_CA_CERTS at its CA certificate file (PEM) and run again.'), { notSent: true });
  }
  const error = new NetworkError(
    `Could not reach ${baseUrl}: ${reason}`,
    /127\.0\.0\.1|localhost/.test(baseUrl)
      ? 'Is the sandbox running? Start it with `' + commandPrefix() + ' sandbox`.'
      : 'Check the network connection and any proxy; Twilio status: https://status.twilio.com',
  );
  // No connection was made, so nothing of the request reached anyone (see TransportError).
  error.notSent = (err as Partial<TransportError>).requestMayHaveLeft === false;
  return error;
}
