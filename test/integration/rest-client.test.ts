/** The REST client's HTTP behaviour against real servers on loopback: retries, time limits, cut-off answers, Twilio errors. */
import diagnostics from 'node:diagnostics_channel';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NetworkError, TwilioApiError } from '../../src/errors.js';
import { createRestClient } from '../../src/twilio/rest-client.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;
const servers: http.Server[] = [];

async function serverWith(handler: Handler): Promise<{ baseUrl: string; requests: { method: string; url: string; body: string; auth: string }[] }> {
  const requests: { method: string; url: string; body: string; auth: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      requests.push({ method: req.method!, url: req.url!, body, auth: req.headers.authorization ?? '' });
      handler(req, res, requests.length);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

const client = (baseUrl: string, extra: Partial<Parameters<typeof createRestClient>[0]> = {}) => {
  const delays: number[] = [];
  const c = createRestClient({ accountSid: 'AC' + '0'.repeat(32), username: 'AC' + '0'.repeat(32), password: 'secret-token', baseUrl, sleep: async (ms) => void delays.push(ms), ...extra });
  return { c, delays };
};

describe('REST client over HTTP', () => {
  it('posts a form with Basic auth to the account path and parses the JSON answer', async () => {
    const s = await serverWith((_req, res) => res.writeHead(201, { 'content-type': 'application/json' }).end('{"sid":"SM1"}'));
    const { c } = client(s.baseUrl);
    expect(await c.request('POST', 'Messages.json', { body: { To: '+15550005678', Body: 'hi there', MediaUrl: ['a', 'b'] } })).toEqual({ sid: 'SM1' });
    expect(s.requests[0]).toMatchObject({ method: 'POST', url: `/2010-04-01/Accounts/AC${'0'.repeat(32)}/Messages.json`, body: 'To=%2B15550005678&Body=hi+there&MediaUrl=a&MediaUrl=b' });
    expect(Buffer.from(s.requests[0].auth.replace('Basic ', ''), 'base64').toString()).toBe(`AC${'0'.repeat(32)}:secret-token`);
  });

  it('retries 429 after Retry-After, and maps a final Twilio error document', async () => {
    const s = await serverWith((_req, res, n) =>
      n < 3 ? res.writeHead(429, { 'retry-after': '2' }).end('{"code":20429,"message":"Too Many Requests"}') : res.writeHead(400).end('{"code":21211,"message":"Invalid To","more_info":"https://www.twilio.com/docs/errors/21211"}'),
    );
    const { c, delays } = client(s.baseUrl);
    const err = await c.request('POST', 'Messages.json', { body: { To: 'x' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TwilioApiError);
    expect((err as TwilioApiError).twilioCode).toBe(21211);
    expect(s.requests).toHaveLength(3);
    expect(delays.every((d) => d >= 2000)).toBe(true);
  });

  it('retries a GET on 500 but never a POST, whose first try may have acted', async () => {
    const s = await serverWith((_req, res, n) => (n === 1 || n === 3 ? res.writeHead(500).end('oops') : res.writeHead(200).end('{"ok":true}')));
    const { c } = client(s.baseUrl);
    expect(await c.request('GET', 'Messages.json')).toEqual({ ok: true });
    await expect(c.request('POST', 'Messages.json', { body: {} })).rejects.toBeInstanceOf(TwilioApiError);
    expect(s.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'POST']);
  });

  it('gives up after its time limit with a network error that says so', async () => {
    const s = await serverWith(() => undefined); // never answers
    const { c } = client(s.baseUrl, { timeoutMs: 200, maxRetries: 0 });
    const err = await c.request('GET', 'Messages.json').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as Error).message).toContain('timed out');
  });

  it('treats an answer cut off mid-way as a network error, and does not resend the POST', async () => {
    const s = await serverWith((_req, res) => {
      res.writeHead(201, { 'content-length': '100' });
      res.write('{"sid":"SM');
      setImmediate(() => res.socket?.destroy());
    });
    const { c } = client(s.baseUrl);
    await expect(c.request('POST', 'Messages.json', { body: {} })).rejects.toBeInstanceOf(NetworkError);
    expect(s.requests).toHaveLength(1);
  });

  it('downloads raw bytes with their content type', async () => {
    const bytes = Buffer.from([0x52, 0x49, 0x46, 0x46, 0, 1, 2, 255]);
    const s = await serverWith((_req, res) => res.writeHead(200, { 'content-type': 'audio/x-wav' }).end(bytes));
    const { c } = client(s.baseUrl);
    expect(await c.download('/2010-04-01/Accounts/AC1/Recordings/RE1.wav')).toEqual({ contentType: 'audio/x-wav', body: bytes });
  });

  it('names the unreachable host, and never the token', async () => {
    const s = await serverWith(() => undefined);
    const port = new URL(s.baseUrl).port;
    servers.pop()!.close();
    const { c } = client(`http://127.0.0.1:${port}`, { maxRetries: 0 });
    const err = (await c.request('GET', 'Messages.json').catch((e: unknown) => e)) as NetworkError;
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.message).toContain(`127.0.0.1:${port}`);
    expect(err.message + (err.hint ?? '')).not.toContain('secret-token');
  });
});

/**
 * Whether a failed request may have reached the server is decided by where it failed, not by its errno
 * (review A4). A route lost after the request was written (EHOSTUNREACH/ENETUNREACH once TCP gives up
 * retransmitting) cannot be produced on loopback without the kernel's help, so the errno is put on a
 * real socket: a connected keep-alive socket after the request left, and a new socket before it connected.
 */
describe('REST client: was the request sent?', () => {
  const failNext = (when: 'after-written' | 'before-connect', code: string) => {
    const onStart = ({ request }: { request: http.ClientRequest }) => {
      diagnostics.unsubscribe('http.client.request.start', onStart as never);
      const errno = Object.assign(new Error(`${when === 'before-connect' ? 'connect' : 'read'} ${code}`), { code });
      // (Published once the request has its socket: a new one is still connecting then.)
      if (when === 'before-connect') {
        expect(request.socket?.connecting).toBe(true);
        request.socket!.destroy(errno);
      } else request.once('finish', () => request.socket?.destroy(errno));
    };
    diagnostics.subscribe('http.client.request.start', onStart as never);
  };

  it('an unreachable host on a reused keep-alive socket, after the request was written, may have acted: not "not sent"', async () => {
    const s = await serverWith((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
    const { c } = client(s.baseUrl);
    await c.request('GET', 'Messages.json'); // leaves a connected socket in the keep-alive pool
    let reused: boolean | undefined;
    const onStart = ({ request }: { request: http.ClientRequest }) => void (reused = request.reusedSocket);
    diagnostics.subscribe('http.client.request.start', onStart as never);
    failNext('after-written', 'EHOSTUNREACH');
    const err = await c.request('POST', 'Messages.json', { body: { To: '+15550005678' } }).catch((e: unknown) => e);
    diagnostics.unsubscribe('http.client.request.start', onStart as never);
    expect(reused).toBe(true);
    expect(err).toBeInstanceOf(NetworkError);
    expect(err).toMatchObject({ message: expect.stringContaining('EHOSTUNREACH'), notSent: false });
  });

  it('the same errno on a socket that never connected, and a refused connection, sent nothing', async () => {
    const s = await serverWith((_req, res) => res.writeHead(200).end('{}'));
    failNext('before-connect', 'ENETUNREACH');
    const err = await client(s.baseUrl).c.request('POST', 'Messages.json', { body: {} }).catch((e: unknown) => e);
    expect(err).toMatchObject({ message: expect.stringContaining('ENETUNREACH'), notSent: true });
    expect(s.requests).toHaveLength(0);
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    expect(await client(`http://127.0.0.1:${port}`).c.request('POST', 'Messages.json', { body: {} }).catch((e: unknown) => e)).toMatchObject({ notSent: true });
  });
});
