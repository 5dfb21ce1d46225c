/**
 * fetchInboundMedia against the sandbox's Twilio-shaped media: Basic auth to the media URL, the
 * redirect to the CDN followed without it (the CDN refuses credentials, so a leak fails the fetch),
 * the byte cap across a message's items, the declared type checked, at most 10 items, hosts refused
 * without a request, and one deadline.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchInboundMedia, type MediaFetchOptions, type MediaItem } from '../../src/messaging/media-fetch.js';
import { startTestSandbox, type TestSandbox } from '../helpers/sandbox.js';

let ts: TestSandbox;
const root = mkdtempSync(path.join(os.tmpdir(), 'media-fetch-'));
let n = 0;
const PHOTO = Buffer.alloc(3000, 0xab);

/** A handset MMS with these files; its media as the webhook would list them. */
async function mms(files: { contentType: string; data: Buffer }[]): Promise<MediaItem[]> {
  const res = await fetch(`${ts.sb.baseUrl}/sandbox/v1/handsets/%2B15550001414/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ To: ts.number, Body: 'pics', Media: files.map((f) => ({ contentType: f.contentType, data: f.data.toString('base64') })) }),
  });
  const { sid } = await res.json();
  const list = await ts.client.messages(sid).media.list();
  return list.map((m) => ({ url: ts.sb.baseUrl + m.uri.replace(/\.json$/, ''), contentType: m.contentType }));
}

const options = (over: Partial<MediaFetchOptions> = {}): MediaFetchOptions => ({
  origin: { accountSid: ts.info.accountSid, apiOrigin: ts.sb.baseUrl },
  credentials: { username: ts.info.accountSid, password: ts.info.authToken },
  dir: path.join(root, `turn-${++n}`),
  maxBytes: 5 * 1024 * 1024,
  timeoutMs: 5000,
  ...over,
});

/** A server that is not Twilio, counting what reaches it. */
async function stranger(handler: (headers: IncomingHttpHeaders, res: import('node:http').ServerResponse) => void = (_h, res) => res.end('x')) {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => (seen.push(req.headers), handler(req.headers, res)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise((r) => (server.closeAllConnections(), server.close(r))) };
}

beforeAll(async () => {
  ts = await startTestSandbox();
});
afterAll(() => ts.close());

describe('inbound media fetched as local files', () => {
  it("fetches the account's media with its credentials, follows the CDN redirect without them, and keeps the bytes and type", async () => {
    const items = await mms([{ contentType: 'image/jpeg', data: PHOTO }, { contentType: 'text/vcard', data: Buffer.from('BEGIN:VCARD\r\nEND:VCARD\r\n') }]);
    const o = options();
    const { media, unavailable } = await fetchInboundMedia(items, o);
    expect(unavailable).toEqual([]);
    expect(media.map((m) => [m.index, path.basename(m.path), m.contentType, m.size])).toEqual([
      [0, '1.jpg', 'image/jpeg', 3000],
      [1, '2.vcf', 'text/vcard', 24],
    ]);
    expect(readFileSync(media[0].path).equals(PHOTO)).toBe(true);
    if (process.platform !== 'win32') expect(statSync(o.dir).mode & 0o777).toBe(0o700);
  });

  it('caps the bytes of a message: the item that would pass the cap gets a notice and no file', async () => {
    const items = await mms([{ contentType: 'image/jpeg', data: PHOTO }, { contentType: 'image/png', data: Buffer.alloc(5000, 1) }, { contentType: 'image/gif', data: Buffer.alloc(100, 2) }]);
    const o = options({ maxBytes: 4096 });
    const { media, unavailable } = await fetchInboundMedia(items, o);
    expect(media.map((m) => m.index)).toEqual([0, 2]);
    expect(unavailable).toEqual([{ index: 1, contentType: 'image/png', reason: 'too-large', notice: "Attachment 2 (image/png) is too large: one message's media may have 4 KiB in all." }]);
    expect(readdirSync(o.dir).sort()).toEqual(['1.jpg', '3.gif']);
  });

  it('keeps nothing whose download is not the type Twilio declared', async () => {
    const [item] = await mms([{ contentType: 'image/jpeg', data: PHOTO }]);
    const { media, unavailable } = await fetchInboundMedia([{ ...item, contentType: 'image/png' }], options());
    expect(media).toEqual([]);
    expect(unavailable[0]).toMatchObject({ reason: 'type-mismatch', notice: 'Attachment 1 (image/png) was not kept: Twilio said image/png but the download is image/jpeg.' });
  });

  it('takes at most 10 items; the rest get a notice', async () => {
    const ten = await mms(Array.from({ length: 10 }, (_, i) => ({ contentType: 'image/png', data: Buffer.from([i]) })));
    const { media, unavailable } = await fetchInboundMedia([...ten, ten[0]], options());
    expect(media).toHaveLength(10);
    expect(unavailable).toEqual([expect.objectContaining({ index: 10, reason: 'over-limit' })]);
  });

  it('refuses media on another host without sending it anything', async () => {
    const other = await stranger();
    try {
      const [item] = await mms([{ contentType: 'image/jpeg', data: PHOTO }]);
      const { media, unavailable } = await fetchInboundMedia([{ ...item, url: item.url.replace(ts.sb.baseUrl, other.url) }, { url: 'https://example.com/cat.jpg', contentType: 'image/jpeg' }], options());
      expect(media).toEqual([]);
      expect(unavailable.map((u) => u.reason)).toEqual(['not-twilio', 'not-twilio']);
      expect(unavailable[1].notice).toContain('example.com is not the configured API');
      expect(other.seen).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('says when Twilio refuses the credentials, and stops at the deadline', async () => {
    const [item] = await mms([{ contentType: 'image/jpeg', data: PHOTO }]);
    const wrong = await fetchInboundMedia([item], options({ credentials: { username: ts.info.accountSid, password: 'f'.repeat(32) } }));
    expect(wrong.unavailable[0].notice).toBe('Attachment 1 (image/jpeg) could not be downloaded (HTTP 401: Twilio refused the credentials).');
    // A "sandbox" that never answers.
    const silent = await stranger(() => {});
    try {
      const stuck = { accountSid: ts.info.accountSid, apiOrigin: silent.url };
      const slow = await fetchInboundMedia([{ ...item, url: item.url.replace(ts.sb.baseUrl, silent.url) }], options({ origin: stuck, timeoutMs: 300 }));
      expect(slow.unavailable[0]).toMatchObject({ reason: 'timed-out', notice: 'Attachment 1 (image/jpeg) was not fetched within 300 ms.' });
      expect(silent.seen[0].authorization).toMatch(/^Basic /);
    } finally {
      await silent.close();
    }
  });

  it('lets go of the download when its folder cannot be made', async () => {
    let closed = false;
    // A download that never ends: only our side giving it up closes it.
    const endless = await stranger((_h, res) => {
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      res.write(PHOTO);
      res.on('close', () => (closed = true));
    });
    try {
      const blocker = path.join(root, `blocker-${++n}`);
      writeFileSync(blocker, 'a file, not a folder');
      const origin = { accountSid: ts.info.accountSid, apiOrigin: endless.url };
      const [item] = await mms([{ contentType: 'image/jpeg', data: PHOTO }]);
      const { unavailable } = await fetchInboundMedia([{ ...item, url: item.url.replace(ts.sb.baseUrl, endless.url) }], options({ origin, dir: path.join(blocker, 'turn'), timeoutMs: 60_000 }));
      expect(unavailable[0].reason).toBe('fetch-failed');
      await expect.poll(() => closed, { timeout: 3000 }).toBe(true);
    } finally {
      await endless.close();
    }
  });

  it('does not follow a redirect to plain http elsewhere, and never sends the credentials there', async () => {
    const target = await stranger();
    const redirector = await stranger((_h, res) => (res.writeHead(302, { location: `${target.url.replace('127.0.0.1', 'localhost')}/x` }), res.end()));
    try {
      const [item] = await mms([{ contentType: 'image/jpeg', data: PHOTO }]);
      const { unavailable } = await fetchInboundMedia([{ ...item, url: item.url.replace(ts.sb.baseUrl, redirector.url) }], options({ origin: { accountSid: ts.info.accountSid, apiOrigin: redirector.url } }));
      expect(unavailable[0].notice).toMatch(/was not fetched: the redirect goes to http:\/\/localhost:\d+, not https/);
      expect(target.seen).toEqual([]);
      expect(existsSync(path.join(root, `turn-${n}`))).toBe(false);
    } finally {
      await target.close();
      await redirector.close();
    }
  });
});
