/**
 * The local Twilio: an HTTP server speaking the 2010-04-01 REST API (Basic auth by account SID and
 * token, or API key and secret), the control endpoints under /sandbox/v1, pacing, webhooks and faults.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AccountRecord, DEFAULT_RATES, loadOrCreateAccount, type SandboxContext, type SandboxOptions } from './context.js';
import { registerControl, sandboxAccountView } from './control.js';
import { checkControlRequest } from './control-guard.js';
import { drawStatusFault, NO_FAULTS } from './faults.js';
import { type ApiResponse, createRouter, errorBody, readBody, SandboxApiError } from './http.js';
import { receiveText } from './inbound.js';
import { createPacer } from './pacing.js';
import { registerAccount } from './resources/account.js';
import { registerCalls } from './resources/calls.js';
import { dispatchMessage, enqueue, type MessageRecord, registerMessages } from './resources/messages.js';
import { createNumberRecord, registerNumbers } from './resources/numbers.js';
import { registerRecordings } from './resources/recordings.js';
import { registerAlerts } from './resources/alerts.js';
import { CDN_PREFIX, registerMedia, registerMediaCdn } from './resources/media.js';
import { searchAvailable } from './available-numbers.js';
import { openSandboxStore } from './sandbox-store.js';
import { liveCalls } from './voice/live-calls.js';
import { dispatchCall } from './voice/place-call.js';
import { registerTranscriptions } from './voice/transcription.js';
import { createWebhookSender } from './webhooks.js';

export interface Sandbox {
  baseUrl: string;
  account: AccountRecord;
  /** `{baseUrl, accountSid, authToken, numbers, ...}` as `sandbox --json` prints it. */
  describe(): ReturnType<typeof sandboxAccountView>;
  /** REST requests in flight now and the most at once so far (also in GET /sandbox/v1/health). */
  requestStats(): { inFlight: number; maxInFlight: number };
  /** When each message sent through the API was accepted (epoch ms) and from which sender: rates are checked with it. */
  acceptedMessages(): { from: string | null; body: string; atMs: number }[];
  close(): Promise<void>;
}

/** A handset's MMS: up to 10 items of a few MiB each, base64 in JSON. */
const CONTROL_BODY_LIMIT = 96 * 1024 * 1024;

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const store = await openSandboxStore(options.dataDir);
  const account = loadOrCreateAccount(store);
  const timers = new Set<NodeJS.Timeout>();
  const stopping = new AbortController();
  const webhooks = createWebhookSender({ authToken: () => account.authToken, timeoutMs: options.webhookTimeoutMs });
  const ctx: SandboxContext = {
    store,
    account,
    webhooks,
    pacer: createPacer<string>((sid) => dispatchMessage(ctx, sid, deliverToOwnNumber)),
    callPacer: createPacer<string>((sid) => dispatchCall(ctx, sid)),
    rates: { ...DEFAULT_RATES, ...options.rates },
    options: { deliveryDelayMs: options.deliveryDelayMs ?? 100, callTalkMs: options.callTalkMs ?? 2000, voiceTimeScale: options.voiceTimeScale ?? 1 },
    faults: options.faults ?? NO_FAULTS,
    baseUrl: '',
    accountPath: `/2010-04-01/Accounts/${account.sid}`,
    later(ms, fn) {
      const t = setTimeout(() => {
        timers.delete(t);
        fn();
      }, ms);
      timers.add(t);
    },
    stopping: stopping.signal,
    requests: { inFlight: 0, maxInFlight: 0 },
  };
  // A message to one of the account's own numbers arrives there as an inbound text.
  function deliverToOwnNumber(m: MessageRecord) {
    void receiveText(ctx, { from: m.from!, to: m.to, body: m.body, media: m._media }).processed;
  }

  const api = createRouter();
  registerAccount(api, ctx);
  registerMessages(api, ctx);
  registerCalls(api, ctx);
  registerNumbers(api, ctx);
  registerRecordings(api, ctx);
  registerAlerts(api, ctx);
  registerTranscriptions(api, ctx);
  registerMedia(api, ctx);
  const control = createRouter();
  registerControl(control, ctx);
  const cdn = createRouter();
  registerMediaCdn(cdn, ctx);

  const faults = ctx.faults;
  const maxConcurrent = options.maxConcurrentRequests ?? 100;
  const requests = ctx.requests;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const method = req.method ?? 'GET';
    const isControl = url.pathname.startsWith('/sandbox/');
    // The CDN's links are signed; they need no account credentials (see resources/media.ts).
    const isCdn = url.pathname.startsWith(CDN_PREFIX);
    const router = isControl ? control : isCdn ? cdn : api;
    let answer: ApiResponse;
    let counted = false;
    let reset = false;
    try {
      if (isControl) checkControlRequest(req.headers);
      else if (!isCdn) {
        authenticate(req, url.pathname, account);
        if (requests.inFlight >= maxConcurrent) throw new SandboxApiError(429, 20429, 'Too Many Requests');
        requests.maxInFlight = Math.max(requests.maxInFlight, ++requests.inFlight);
        counted = true;
        if (faults.latencyMs) await new Promise((r) => setTimeout(r, faults.latencyMs));
        const status = drawStatusFault(faults);
        if (status) throw new SandboxApiError(status, status === 429 ? 20429 : status === 503 ? 20503 : 20500, status === 429 ? 'Too Many Requests' : 'Injected fault');
        reset = Math.random() < faults.resetProbability;
      }
      const match = router.match(method, url.pathname);
      if (!match) throw new SandboxApiError(404, 20404, `The requested resource ${url.pathname} was not found`);
      // A handset's MMS carries its media in the body (loopback only), so control requests may be larger.
      const text = method === 'POST' ? await readBody(req, isControl ? CONTROL_BODY_LIMIT : undefined) : '';
      const form = (req.headers['content-type'] ?? '').includes('json') ? jsonToForm(text) : new URLSearchParams(text);
      answer = await match.handler({ method, path: url.pathname, query: url.searchParams, form, body: text, params: match.params, headers: req.headers });
    } catch (err) {
      answer = err instanceof SandboxApiError ? { status: err.status, json: errorBody(err.status, err.code, err.message) } : { status: 500, json: errorBody(500, 20500, `Internal sandbox error: ${(err as Error).message}`) };
      if (answer.status === 429) answer.headers = { 'retry-after': '1' };
    } finally {
      if (counted) requests.inFlight--;
    }
    if (reset) {
      // The request took effect, but the client never hears so.
      req.socket.destroy();
      return;
    }
    const body = answer.json !== undefined ? JSON.stringify(answer.json) : (answer.body ?? '');
    res.writeHead(answer.status, {
      'content-type': answer.json !== undefined ? 'application/json; charset=utf-8' : (answer.contentType ?? 'text/plain'),
      'twilio-request-id': `RQ${Math.random().toString(16).slice(2).padEnd(32, '0').slice(0, 32)}`,
      // Twilio's clock, as its answers carry it: the same clock as the dates in the resources.
      date: new Date().toUTCString(),
      ...answer.headers,
    });
    res.end(answer.status === 204 ? undefined : body);
  }

  const server = createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4010, options.bind ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  ctx.baseUrl = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;

  if (store.list('number').length === 0) {
    const first = searchAvailable({ country: 'US', type: 'Local', areaCode: '415', limit: 1, exclude: new Set() })[0];
    createNumberRecord(ctx, first.phone_number, 'sandbox number');
  }
  // Messages still waiting when the sandbox last stopped go back in their queues.
  for (const m of store.list<MessageRecord>('message')) if (m.status === 'queued' || m.status === 'accepted') enqueue(ctx, m);

  return {
    baseUrl: ctx.baseUrl,
    account,
    describe: () => sandboxAccountView(ctx),
    requestStats: () => ({ ...requests }),
    acceptedMessages: () =>
      store
        .list<MessageRecord>('message')
        .filter((m) => m.direction === 'outbound-api' && m._createdAtMs !== undefined)
        .map((m) => ({ from: m.from, body: m.body, atMs: m._createdAtMs! })),
    async close() {
      stopping.abort();
      ctx.pacer.stop();
      ctx.callPacer.stop();
      for (const live of liveCalls(ctx).values()) live.hangup('the sandbox stopped');
      for (const t of timers) clearTimeout(t);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await webhooks.drain();
      await webhooks.close();
      store.close();
    },
  };
}

function authenticate(req: IncomingMessage, path: string, account: AccountRecord): void {
  const header = req.headers.authorization ?? '';
  const m = /^Basic\s+(.+)$/i.exec(header);
  const [user, pass] = m ? Buffer.from(m[1], 'base64').toString('utf8').split(/:(.*)/s) : [];
  const ok = (user === account.sid && pass === account.authToken) || (user === account.apiKeySid && pass === account.apiKeySecret);
  if (!ok) throw new SandboxApiError(401, 20003, m ? 'Authentication Error - invalid username' : 'Authentication Error - No credentials provided');
  const pathAccount = /^\/2010-04-01\/Accounts\/([^/.]+)/.exec(path)?.[1];
  if (pathAccount && pathAccount !== account.sid) throw new SandboxApiError(401, 20003, 'Authentication Error - the account in the URL is not yours');
}

function jsonToForm(text: string): URLSearchParams {
  const form = new URLSearchParams();
  try {
    for (const [k, v] of Object.entries(JSON.parse(text || '{}') as Record<string, unknown>)) {
      for (const item of Array.isArray(v) ? v : [v]) form.append(k, String(item));
    }
  } catch {
    throw new SandboxApiError(400, 20001, 'The request body is not valid JSON');
  }
  return form;
}
