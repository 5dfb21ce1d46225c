/**
 * Local files sent as MMS, kept in the store until their URL expires, and the public URLs of the
 * serve instances running on this store. Keeping the bytes in the store (not in a folder) means any
 * serve sharing it can answer Twilio's fetch (on PostgreSQL, a serve on another machine too), and no
 * path from a request ever reaches the file system. Only the SHA-256 of a URL token is stored: the
 * token itself (the only guard of a URL Twilio fetches without credentials) is never written down.
 */
import type { Store } from './open-store.js';
import { nodeCrypto } from '../node-crypto.js';

export interface MediaToStore {
  token: string;
  contentType: string;
  filename: string;
  bytes: Uint8Array;
  sha256: string;
  expiresAt: number;
}

export interface StoredMedia {
  contentType: string;
  filename: string;
  size: number;
  bytes: Uint8Array;
}

export const tokenHash = (token: string) => nodeCrypto().createHash('sha256').update(token).digest('hex');

export async function storeOutboundMedia(store: Store, m: MediaToStore): Promise<void> {
  const db = await store.queryBuilder();
  await db
    .insertInto('outbound_media')
    .values({ token_hash: tokenHash(m.token), content_type: m.contentType, size: m.bytes.length, sha256: m.sha256, filename: m.filename, bytes: m.bytes, created_at: new Date().toISOString(), expires_at: m.expiresAt })
    .execute();
}

/**
 * The file registered under `token`, unless it expired. Looked up by the token's hash through the
 * primary key: an equality on a digest, so the time taken says nothing about how close a guess was.
 */
export async function findOutboundMedia(store: Store, token: string, now = Date.now()): Promise<StoredMedia | undefined> {
  const db = await store.queryBuilder();
  const row = await db.selectFrom('outbound_media').select(['content_type', 'filename', 'size', 'bytes', 'expires_at']).where('token_hash', '=', tokenHash(token)).executeTakeFirst();
  if (!row || Number(row.expires_at) <= now) return undefined;
  return { contentType: row.content_type, filename: row.filename, size: Number(row.size), bytes: row.bytes };
}

/** Drops expired files; returns how many went. */
export async function purgeExpiredMedia(store: Store, now = Date.now()): Promise<number> {
  const db = await store.queryBuilder();
  const result = await db.deleteFrom('outbound_media').where('expires_at', '<=', now).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * The public URL of the live serve instance seen most recently (store/instances.ts: each running
 * serve keeps its row fresh from a heartbeat), if any runs with one.
 */
export async function livePublicUrl(store: Store): Promise<string | undefined> {
  // Loaded here, not at the top: instances.ts brings Kysely, which a send without local media never needs.
  const { liveInstances } = await import('./instances.js');
  const live = (await liveInstances(store)).filter((i) => i.public_url);
  live.sort((a, b) => a.seen_ms_ago - b.seen_ms_ago);
  return live[0]?.public_url ?? undefined;
}
