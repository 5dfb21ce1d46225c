/**
 * Local files sent as MMS, on SQLite and PostgreSQL: stored by `hostMedia` under a token only the URL
 * carries, served by serve's media route with their exact bytes and headers, 404 once expired or
 * purged; a send with no live serve on the store is refused before anything is stored.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { hostMedia, inspectMedia, type MediaHost } from '../../src/messaging/outbound-media.js';
import { createMetrics } from '../../src/server/metrics.js';
import type { RouteDeps } from '../../src/server/routes/deps.js';
import { mediaRoutes } from '../../src/server/routes/media.js';
import { joinInstances } from '../../src/store/instances.js';
import { openStore, type Store } from '../../src/store/open-store.js';
import { livePublicUrl, purgeExpiredMedia, tokenHash } from '../../src/store/outbound-media.js';
import { requirePgInCi, storeKinds } from '../helpers/stores.js';

requirePgInCi();

const dir = mkdtempSync(path.join(os.tmpdir(), 'oct-media-'));
const gif = Buffer.concat([Buffer.from('GIF89a'), Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 256))]);
writeFileSync(path.join(dir, 'My Holiday Photo (1).gif'), gif);

async function mediaApp(store: Store) {
  const app = Fastify();
  const warnings: string[] = [];
  const deps = { store, config: { serve: { mediaPath: '/telephony/media' } }, metrics: createMetrics(), emit: (_t: string, f: { message: string }) => warnings.push(f.message) } as unknown as RouteDeps;
  await app.register(mediaRoutes, deps);
  return { app, warnings };
}

const host = (store: Store, ttlMs = 600_000): MediaHost => ({ store, publicBase: () => livePublicUrl(store), mediaPath: '/telephony/media', ttlMs, noPublicUrlHint: 'start serve' });

for (const kind of storeKinds) {
  describe.skipIf(kind.skip)(`outbound media on ${kind.name}`, () => {
    it('serves the exact bytes under the token, with type, length and a safe name; 404 once expired and after the purge', async () => {
      const store = await openStore(await kind.url());
      try {
        const items = await inspectMedia([path.join(dir, 'My Holiday Photo (1).gif')]);
        await expect(hostMedia(items, host(store))).rejects.toThrow('no public URL is known');
        await joinInstances(store, { id: 'serve-1', host: 'h', pid: 1, started_at: new Date().toISOString(), version: 'test', url: 'http://127.0.0.1:1', public_url: 'https://bot.example.com' });
        const [url] = await hostMedia(items, host(store));
        expect(url).toMatch(/^https:\/\/bot\.example\.com\/telephony\/media\/[A-Za-z0-9_-]{43}$/);
        const token = url.split('/').pop()!;
        // Only the token's hash is stored.
        const rows = await store.db.selectFrom('outbound_media').select(['token_hash', 'sha256']).execute();
        expect(rows).toEqual([{ token_hash: tokenHash(token), sha256: createHash('sha256').update(gif).digest('hex') }]);
        expect(JSON.stringify(rows)).not.toContain(token);

        const { app } = await mediaApp(store);
        const res = await app.inject({ method: 'GET', url: `/telephony/media/${token}` });
        expect(res.statusCode).toBe(200);
        expect(res.rawPayload.equals(gif)).toBe(true);
        expect(res.headers).toMatchObject({ 'content-type': 'image/gif', 'content-length': String(gif.length), 'cache-control': 'no-store', 'content-disposition': 'inline; filename="My_Holiday_Photo.gif"' });
        expect((await app.inject({ method: 'HEAD', url: `/telephony/media/${token}` })).headers['content-length']).toBe(String(gif.length));
        // A wrong last character, a path, a token of another shape: 404.
        for (const bad of [token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'), '..%2Ftelephony.sqlite', 'x'.repeat(44), 'x'.repeat(42)]) {
          expect((await app.inject({ method: 'GET', url: `/telephony/media/${bad}` })).statusCode).toBe(404);
        }
        await store.db.updateTable('outbound_media').set({ expires_at: Date.now() - 1 }).execute();
        expect((await app.inject({ method: 'GET', url: `/telephony/media/${token}` })).statusCode).toBe(404);
        expect(await purgeExpiredMedia(store)).toBe(1);
        expect(await store.db.selectFrom('outbound_media').select('token_hash').execute()).toEqual([]);
        await app.close();
      } finally {
        await store.close();
      }
    });
  });
}
