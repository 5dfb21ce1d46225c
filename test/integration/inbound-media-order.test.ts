/**
 * serve's inbound media around the conversations: a slow download holds no agent slot (another
 * sender's turn goes first even with one slot), the same sender's later text waits for it (turns in
 * the order the texts came), the files are gone when the turn ends, and the sweep removes old folders.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepMediaRoot } from '../../src/messaging/media-fetch-folder.js';
import { createInboundMedia, mediaItemsOf } from '../../src/server/inbound-media.js';
import { createSessionRegistry } from '../../src/server/sessions.js';

const ACCOUNT = 'AC' + '4d'.repeat(16);
const MEDIA_PATH = `/2010-04-01/Accounts/${ACCOUNT}/Messages/MM${'5e'.repeat(16)}/Media/ME${'6f'.repeat(16)}`;
let slow: ReturnType<typeof createServer>;
let origin: string;

beforeAll(async () => {
  // A media host that takes its time.
  slow = createServer((_req, res) => setTimeout(() => (res.writeHead(200, { 'content-type': 'image/png' }), res.end('png')), 400));
  await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => (slow.closeAllConnections(), slow.close(r))));

describe('inbound media and the conversations', () => {
  it("reads MediaUrlN in N's order (10 after 9) with their declared types", () => {
    const p: Record<string, string> = {};
    for (let i = 0; i < 11; i++) Object.assign(p, { [`MediaUrl${i}`]: `u${i}`, [`MediaContentType${i}`]: `t${i}` });
    expect(mediaItemsOf(p).map((m) => m.url)).toEqual(['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8', 'u9', 'u10']);
    expect(mediaItemsOf(p)[10].contentType).toBe('t10');
  });

  it("runs another sender's turn while a download is slow, keeps one sender's turns in order, and removes the files after the turn", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'inbound-media-'));
    const media = await createInboundMedia({ root, origin: { accountSid: ACCOUNT, apiOrigin: origin }, credentials: { username: ACCOUNT, password: 'x' }, maxBytes: 1000, timeoutMs: 5000, emit: () => {} });
    // One agent slot only: a download holding it would hold up B.
    const sessions = createSessionRegistry(1);
    const order: string[] = [];
    const paths: string[] = [];
    const turn = (sessionId: string, label: string) => (files: { media: { path: string }[] }) =>
      sessions.run(sessionId, async () => {
        order.push(`${label}:${files.media.length}`);
        paths.push(...files.media.map((m) => m.path));
        expect(files.media.every((m) => existsSync(m.path))).toBe(true);
      });
    const a1 = media.inOrder('sms:A', { items: [{ url: origin + MEDIA_PATH, contentType: 'image/png' }], messageSid: 'MM1', from: 'A' }, turn('sms:A', 'A1'));
    const a2 = media.inOrder('sms:A', { items: [], messageSid: 'SM2', from: 'A' }, turn('sms:A', 'A2'));
    const b1 = media.inOrder('sms:B', { items: [], messageSid: 'SM3', from: 'B' }, turn('sms:B', 'B1'));
    await Promise.all([a1, a2, b1]);
    expect(order).toEqual(['B1:0', 'A1:1', 'A2:0']);
    expect(paths).toHaveLength(1);
    expect(existsSync(paths[0])).toBe(false);
    expect(readdirSync(root)).toEqual([]);
    media.close();
  });

  it("never sweeps a live turn's folder, however long the turn has waited", async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'inbound-media-live-'));
    const media = await createInboundMedia({ root, origin: { accountSid: ACCOUNT, apiOrigin: origin }, credentials: { username: ACCOUNT, password: 'x' }, maxBytes: 1000, timeoutMs: 5000, emit: () => {} });
    try {
      await media.inOrder('sms:C', { items: [{ url: origin + MEDIA_PATH, contentType: 'image/png' }], messageSid: 'MM4', from: 'C' }, async (files) => {
        expect(files.media).toHaveLength(1);
        // The turn's folder looks two hours old, as after a long wait in its queue.
        const dir = path.dirname(files.media[0].path);
        const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
        utimesSync(dir, twoHoursAgo, twoHoursAgo);
        expect(await media.sweep()).toBe(0);
        expect(existsSync(files.media[0].path)).toBe(true);
      });
      expect(readdirSync(root)).toEqual([]);
    } finally {
      media.close();
    }
  });

  it('sweeps turn folders older than the retention and leaves recent ones', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'inbound-media-sweep-'));
    mkdirSync(path.join(root, 'old'));
    mkdirSync(path.join(root, 'new'));
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(path.join(root, 'old'), twoHoursAgo, twoHoursAgo);
    expect(await sweepMediaRoot(root)).toBe(1);
    expect(readdirSync(root)).toEqual(['new']);
  });
});
