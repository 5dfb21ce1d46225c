/**
 * The sandbox fetches the MediaUrl of an outbound MMS as Twilio does, when the message leaves its
 * queue: what it fetched shows in the handset's inbox (type, size, digest), and a URL it cannot use
 * fails the message with Twilio's code (11200 unreachable or not 2xx, 12300 a type Twilio refuses,
 * 30019 too large), reported in the status callback's ErrorCode.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(2000)]);
const BIG_PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(5_000_001)]);

/** A media server on port 0 answering each path as a media host might. */
const ROUTES: Record<string, { status: number; type?: string; body: Buffer; chunked?: boolean }> = {
  '/cat.jpg': { status: 200, type: 'image/jpeg', body: JPEG },
  '/gone.jpg': { status: 404, type: 'text/plain', body: Buffer.from('no') },
  '/page.html': { status: 200, type: 'text/html', body: Buffer.from('<html></html>') },
  '/big.png': { status: 200, type: 'image/png', body: BIG_PNG },
  // No Content-Length: the limit is enforced on the bytes, not on what the server says.
  '/big.pdf': { status: 200, type: 'application/pdf', body: Buffer.alloc(600_000, 1), chunked: true },
  '/fake.jpg': { status: 200, type: 'image/jpeg', body: Buffer.from('not a jpeg at all') },
};

let ts: TestSandbox;
let hooks: WebhookReceiver;
let media: { url: string; close(): Promise<void> };
const HANDSET = '+15550008801';

beforeAll(async () => {
  ts = await startTestSandbox({ rates: { longcode: 100 }, deliveryDelayMs: 5 });
  hooks = await startWebhookReceiver();
  const server = createServer((req, res) => {
    const route = ROUTES[req.url ?? ''] ?? { status: 404, body: Buffer.alloc(0) };
    res.writeHead(route.status, { ...(route.type ? { 'content-type': route.type } : {}), ...(route.chunked ? {} : { 'content-length': String(route.body.length) }) });
    res.end(route.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  media = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())),
  };
});
afterAll(async () => {
  await ts.close();
  await hooks.close();
  await media.close();
});

async function sendMms(path: string): Promise<string> {
  const m = await ts.client.messages.create({ to: HANDSET, from: ts.number, body: `media ${path}`, mediaUrl: [path.startsWith('http') ? path : media.url + path], statusCallback: `${hooks.url}/status` });
  return m.sid;
}

async function settled(sid: string) {
  await expect.poll(async () => (await ts.client.messages(sid).fetch()).status, { timeout: 20_000 }).toMatch(/^(delivered|failed)$/);
  return ts.client.messages(sid).fetch();
}

const callbacksOf = (sid: string) => hooks.received.filter((h) => h.params.MessageSid === sid);

describe('sandbox: outbound MMS media fetched as Twilio does', () => {
  it('fetches the media before sending and shows its type, size and digest in the inbox', async () => {
    const sid = await sendMms('/cat.jpg');
    expect((await settled(sid)).status).toBe('delivered');
    const inbox = (await (await fetch(`${ts.sb.baseUrl}/sandbox/v1/handsets/${encodeURIComponent(HANDSET)}/inbox`)).json()) as { messages: { sid: string; fetchedMedia: unknown[] }[] };
    expect(inbox.messages.find((m) => m.sid === sid)?.fetchedMedia).toEqual([
      { url: `${media.url}/cat.jpg`, contentType: 'image/jpeg', size: JPEG.length, sha256: createHash('sha256').update(JPEG).digest('hex') },
    ]);
  });

  it.each([
    ['a URL answering 404', '/gone.jpg', 11200],
    ['a server that cannot be reached', 'http://127.0.0.1:1/cat.jpg', 11200],
    ['a type Twilio does not accept (text/html)', '/page.html', 12300],
    ['a Content-Type the bytes do not match', '/fake.jpg', 12300],
    ['an image over 5 MB', '/big.png', 30019],
    ['a PDF over 500 KB sent without Content-Length', '/big.pdf', 30019],
  ])('fails the message for %s with Twilio error %i, in the status callback too', async (_what, path, code) => {
    const sid = await sendMms(path);
    const m = await settled(sid);
    expect(m.status).toBe('failed');
    expect(m.errorCode).toBe(code);
    // The message names the host only: a path of serve's carries the file's secret token, and this text is stored.
    expect(m.errorMessage).toContain('127.0.0.1');
    expect(m.errorMessage).not.toContain(path.startsWith('http') ? new URL(path).pathname : path);
    await expect.poll(() => callbacksOf(sid).find((h) => h.params.MessageStatus === 'failed')?.params.ErrorCode).toBe(String(code));
    const inbox = (await (await fetch(`${ts.sb.baseUrl}/sandbox/v1/handsets/${encodeURIComponent(HANDSET)}/inbox`)).json()) as { messages: { sid: string }[] };
    expect(inbox.messages.map((x) => x.sid)).not.toContain(sid);
  });
});
