/**
 * Sends webhooks the way Twilio does: form-encoded, signed with X-Twilio-Signature, with an
 * I-Twilio-Idempotency-Token that stays the same on retries; 15 s for an answer, then the fallback
 * URL or a recorded failure. Connection overrides in the URL fragment (`#rc=2&rp=all&ct=..&rt=..&tt=..`)
 * ask for retries and other timeouts. Every delivery is kept (bounded) for inspection.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import { computeSignature } from '../twilio/signature.js';
import { encodeForm } from '../twilio/rest-client.js';

export type WebhookParams = Record<string, string | string[]>;

export interface WebhookRequest {
  url: string;
  method?: string;
  params: WebhookParams;
  fallbackUrl?: string | null;
  fallbackMethod?: string | null;
  /** What the webhook is about: sms, message-status, call-status, voice, ... */
  kind: string;
  relatedSid?: string;
  /**
   * A fault (`--fault voice-timeout:N%`): the primary URL is requested but its answer is ignored, at
   * once, as if it came after the time limit; the fallback URL, if any, is asked as for a real timeout.
   */
  ignorePrimaryAnswer?: boolean;
}

export interface WebhookAttempt {
  url: string;
  status?: number;
  error?: string;
  ms: number;
  /** Set when a fault, not the app, made this attempt fail. */
  injected?: string;
}

export interface WebhookDelivery {
  id: string;
  kind: string;
  relatedSid?: string;
  url: string;
  idempotencyToken: string;
  ok: boolean;
  /** The answer that counted (from the fallback when the primary failed). */
  status?: number;
  body?: string;
  contentType?: string;
  usedFallback: boolean;
  attempts: WebhookAttempt[];
  at: string;
}

export interface WebhookSender {
  send(req: WebhookRequest): Promise<WebhookDelivery>;
  deliveries(): WebhookDelivery[];
  /** Waits for deliveries in flight (for shutdown). */
  drain(): Promise<void>;
  close(): Promise<void>;
}

interface Overrides {
  retries: number;
  policy: Set<string>;
  connectTimeoutMs: number;
  readTimeoutMs: number;
  totalTimeoutMs: number;
}

function parseOverrides(url: string, defaultTimeoutMs: number): { target: string; overrides: Overrides } {
  const hash = url.indexOf('#');
  const target = hash >= 0 ? url.slice(0, hash) : url;
  const p = new URLSearchParams(hash >= 0 ? url.slice(hash + 1) : '');
  const num = (key: string, dflt: number, max: number) => {
    const v = Number(p.get(key));
    return p.has(key) && Number.isFinite(v) && v > 0 ? Math.min(v, max) : dflt;
  };
  return {
    target,
    overrides: {
      retries: num('rc', 0, 5),
      policy: new Set((p.get('rp') ?? 'ct').split(',').map((s) => s.trim())),
      connectTimeoutMs: num('ct', Math.min(10_000, defaultTimeoutMs), 10_000),
      readTimeoutMs: num('rt', defaultTimeoutMs, 15_000),
      totalTimeoutMs: num('tt', defaultTimeoutMs, 15_000),
    },
  };
}

const MAX_KEPT = 5000;

export function createWebhookSender(opts: { authToken: () => string; timeoutMs?: number }): WebhookSender {
  const defaultTimeout = opts.timeoutMs ?? 15_000;
  const kept: WebhookDelivery[] = [];
  const inFlight = new Set<Promise<unknown>>();
  const dispatcher = new Agent({ connections: 32, keepAliveTimeout: 10_000 });

  async function attempt(url: string, method: string, params: WebhookParams, token: string, o: Overrides) {
    const started = Date.now();
    const isGet = method.toUpperCase() === 'GET';
    const body = encodeForm(params);
    const fullUrl = isGet ? `${url}${url.includes('?') ? '&' : '?'}${body}` : url;
    const signature = computeSignature(opts.authToken(), fullUrl, isGet ? {} : params);
    try {
      const res = await request(fullUrl, {
        method: isGet ? 'GET' : 'POST',
        dispatcher,
        headers: {
          'x-twilio-signature': signature,
          'i-twilio-idempotency-token': token,
          'user-agent': 'TwilioProxy/1.1',
          accept: '*/*',
          ...(isGet ? {} : { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }),
        },
        body: isGet ? undefined : body,
        headersTimeout: o.readTimeoutMs,
        bodyTimeout: o.readTimeoutMs,
        signal: AbortSignal.timeout(o.totalTimeoutMs),
      });
      const text = await res.body.text();
      return { status: res.statusCode, body: text, contentType: String(res.headers['content-type'] ?? ''), ms: Date.now() - started };
    } catch (err) {
      const e = err as Error & { code?: string };
      const timeout = e.name === 'TimeoutError' || e.name === 'AbortError' || /Timeout/i.test(e.code ?? e.name);
      return { error: timeout ? 'timeout' : (e.code ?? e.message), ms: Date.now() - started };
    }
  }

  function retryable(result: { status?: number; error?: string }, policy: Set<string>): boolean {
    if (policy.has('all')) return result.error !== undefined || (result.status ?? 0) >= 400;
    if (result.error === 'timeout') return policy.has('rt') || policy.has('ct');
    if (result.error) return policy.has('ct');
    if ((result.status ?? 0) >= 500) return policy.has('5xx');
    if ((result.status ?? 0) >= 400) return policy.has('4xx');
    return false;
  }

  async function deliver(req: WebhookRequest): Promise<WebhookDelivery> {
    const token = randomUUID();
    const delivery: WebhookDelivery = { id: randomUUID(), kind: req.kind, relatedSid: req.relatedSid, url: req.url, idempotencyToken: token, ok: false, usedFallback: false, attempts: [], at: new Date().toISOString() };
    const targets: [string | null | undefined, string | null | undefined, boolean][] = [
      [req.url, req.method, false],
      [req.fallbackUrl, req.fallbackMethod, true],
    ];
    for (const [url, method, isFallback] of targets) {
      if (!url) continue;
      const { target, overrides } = parseOverrides(url, defaultTimeout);
      if (!isFallback && req.ignorePrimaryAnswer) {
        // The app gets the request (it may act on it) but its answer comes "too late": not awaited.
        track(attempt(target, method ?? 'POST', req.params, token, overrides));
        delivery.attempts.push({ url: target, error: 'timeout', ms: 0, injected: 'voice-timeout' });
        continue;
      }
      for (let i = 0; i <= overrides.retries; i++) {
        const result = await attempt(target, method ?? 'POST', req.params, token, overrides);
        delivery.attempts.push({ url: target, status: result.status, error: result.error, ms: result.ms });
        if (result.status !== undefined && result.status < 400) {
          Object.assign(delivery, { ok: true, status: result.status, body: result.body, contentType: result.contentType, usedFallback: isFallback });
          return delivery;
        }
        delivery.status = result.status;
        if (!retryable(result, overrides.policy)) break;
      }
    }
    return delivery;
  }

  function track<T>(p: Promise<T>): Promise<T> {
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    return p;
  }

  return {
    send(req) {
      return track(
        deliver(req).then((d) => {
          kept.push(d);
          if (kept.length > MAX_KEPT) kept.splice(0, kept.length - MAX_KEPT);
          return d;
        }),
      );
    },
    deliveries: () => [...kept],
    async drain() {
      while (inFlight.size) await Promise.allSettled([...inFlight]);
    },
    async close() {
      await dispatcher.close();
    },
  };
}
