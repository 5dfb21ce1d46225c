/**
 * A bounded, seeded fuzz of serve's webhook, voice and status routes over loopback: random and
 * malformed bodies, headers, request targets and encodings, some correctly signed so they reach the
 * handlers. serve must never answer 5xx, never die, keep /healthz answering, and never print an
 * unescaped control character (its plain log goes to a terminal).
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli } from '../helpers/cli.js';
import { ACCOUNT, PUBLIC, publicServeEnv, sign } from '../helpers/serve.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const REQUESTS = 2_000;
const CONCURRENCY = 8;

/** mulberry32: a small seeded generator, so a failure can be replayed with FUZZ_SEED. */
function generator(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]) => xs[int(xs.length)];
  return { next, int, pick };
}
type Rng = ReturnType<typeof generator>;

const NASTY = ['\u0000', '\u001b]0;pwned\u0007', '\u001b[31m', '\u009b', '\r\n', '\u202e', '\u2066', '\uFFFF', '\uD800', '%00', '%ZZ', '&', '=', '+', '<Response>', "' OR '1'='1", '𝕏', 'é', '\u0085', '\t'];
function text(r: Rng, max = 40): string {
  let s = '';
  const n = r.int(max);
  for (let i = 0; i < n; i++) s += r.next() < 0.3 ? r.pick(NASTY) : String.fromCharCode(32 + r.int(95));
  return s;
}
const ROUTES = ['/telephony/webhook', '/telephony/status', '/telephony/voice'];
const KEYS = ['AccountSid', 'MessageSid', 'SmsSid', 'CallSid', 'From', 'To', 'Body', 'MessageStatus', 'CallStatus', 'ErrorCode', 'NumMedia', 'MediaUrl0', 'CallDuration', 'Direction', '__proto__', 'constructor'];

/** Form parameters, plausible or not; `signed` ones carry this account and a real-looking SID. */
function params(r: Rng, signed: boolean): Record<string, string> {
  const p: Record<string, string> = {};
  for (let i = r.int(8); i > 0; i--) p[r.pick(KEYS)] = text(r);
  if (signed) {
    p.AccountSid = ACCOUNT;
    if (r.next() < 0.5) p.MessageSid = 'SM' + r.int(1e9).toString(16).padStart(32, '0');
    else p.CallSid = 'CA' + r.int(1e9).toString(16).padStart(32, '0');
    if (r.next() < 0.6) p.From = r.pick(['+15550001111', '+1555' + r.int(1e7), text(r, 12), '']);
  }
  return p;
}

/** encodeURIComponent, except that a lone surrogate (which it refuses) goes as the invalid UTF-8 it would be. */
const percentEncoded = (s: string) => {
  try {
    return encodeURIComponent(s);
  } catch {
    return '%ED%A0%80';
  }
};

interface Shot {
  target: string;
  headers: Record<string, string>;
  body: Buffer;
}

function shot(r: Rng): Shot {
  const route = r.pick(ROUTES);
  const signed = r.next() < 0.4;
  const p = params(r, signed);
  const kind = r.int(6);
  const target = r.next() < 0.8 ? route : r.pick([route + '#' + r.int(9), route + '?' + percentEncoded(text(r, 10)), route + '/../' + r.int(9), '//' + route, route.toUpperCase(), '/healthz?x=1']);
  const headers: Record<string, string> = {};
  let body: Buffer;
  if (kind === 0) {
    body = Buffer.from(JSON.stringify(p));
    headers['content-type'] = 'application/json';
  } else if (kind === 1) {
    body = Buffer.from(text(r, 200), 'latin1'); // not valid anything
    headers['content-type'] = r.pick(['application/json', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded; charset=utf-16']);
  } else {
    body = Buffer.from(new URLSearchParams(p).toString());
    headers['content-type'] = 'application/x-www-form-urlencoded';
  }
  if (signed && kind >= 2) headers['x-twilio-signature'] = sign(PUBLIC + target.split('#')[0], p);
  else if (r.next() < 0.5) headers['x-twilio-signature'] = Buffer.from(text(r, 20)).toString('base64');
  if (r.next() < 0.2) headers['i-twilio-idempotency-token'] = Buffer.from(text(r, 20)).toString('base64');
  if (r.next() < 0.1) headers['x-forwarded-host'] = 'evil.example';
  if (r.next() < 0.1) headers['content-encoding'] = r.pick(['gzip', 'br', 'identity']);
  return { target, headers, body };
}

/** Sends a shot through node:http; falls back to a raw socket for what node:http refuses to send. */
function fire(base: URL, s: Shot): Promise<number> {
  return new Promise((resolve) => {
    let req;
    try {
      req = request({ host: base.hostname, port: base.port, method: 'POST', path: s.target, headers: { ...s.headers, 'content-length': String(s.body.length) }, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
    } catch {
      return resolve(rawFire(base, s));
    }
    req.on('error', () => resolve(0)); // serve may close a connection it refuses: not a 5xx
    req.end(s.body);
  });
}

/** A request line and headers exactly as given (odd bytes and all); resolves with the status, or 0 when closed without one. */
function rawFire(base: URL, s: Shot): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(Number(base.port), base.hostname);
    let answer = '';
    socket.on('data', (d) => (answer += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
    const head = [`POST ${s.target} HTTP/1.1`, 'Host: bot.example.com', 'Connection: close', `Content-Length: ${s.body.length}`, ...Object.entries(s.headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n');
    socket.end(Buffer.concat([Buffer.from(head + '\r\n\r\n', 'latin1'), s.body]));
  });
}

describe('serve under a bounded fuzz', () => {
  let server: Awaited<ReturnType<typeof startCli>>;
  let base: URL;
  const { env, cwd } = publicServeEnv({ OPENCLAW_TELEPHONY_AGENT_KIND: 'echo', OPENCLAW_TELEPHONY_SANDBOX_URL: 'http://127.0.0.1:9' });
  beforeAll(async () => {
    // Plain log lines (no --json), as an operator's terminal shows them.
    server = await startCli(['serve', '--port', '0', '--no-dashboard'], { env, cwd });
    base = new URL(/listening on (\S+)/.exec(server.firstLine)![1]);
  });
  afterAll(async () => {
    await server.stop();
  });

  it(`${REQUESTS} random and malformed requests (seed ${SEED}): no 5xx, no crash, /healthz answering, no raw control characters in the output`, async () => {
    const r = generator(SEED);
    const shots = Array.from({ length: REQUESTS }, () => shot(r));
    const statuses = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < shots.length) {
        const i = next++;
        const status = await fire(base, shots[i]);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status >= 500) throw new Error(`request ${i} (seed ${SEED}) got ${status}: ${JSON.stringify({ ...shots[i], body: shots[i].body.toString('latin1') })}\nserve said: ${server.stderr().slice(-2000)}`);
        if (i % 250 === 0) expect((await fetch(`${base.origin}/healthz`)).status).toBe(200);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(server.child.exitCode).toBeNull();
    expect((await fetch(`${base.origin}/healthz`)).status).toBe(200);
    expect([...statuses.keys()].some((s) => s === 200)).toBe(true); // some reached the handlers
    const output = server.stderr();
    const raw = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.exec(output);
    expect(raw && JSON.stringify(output.slice(Math.max(0, raw.index - 80), raw.index + 80)), 'a raw control character in serve\'s output').toBeNull();
  }, 120_000);
});
