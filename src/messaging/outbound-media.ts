/**
 * Media of an outbound MMS: public URLs go to Twilio as they are; a local file is checked against
 * Twilio's limits (mms-limits.ts) before anything is sent, then kept in the store under a random,
 * expiring token and handed to Twilio as a URL on the public URL of a running `serve`, which answers
 * Twilio's fetch (server/routes/media.ts). The request's fingerprint names a file by its content, so
 * a retry under the same idempotency key is the same request even though each try has its own URL.
 */
// fs.promises, not node:fs/promises: it loads on first use (a local --media file), where an import
// loaded it, with readline's interface and fs watchers, in every one-message send (~2.5 ms, Node 20).
import { promises as fsPromises } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { unreadableFile, UserError } from '../errors.js';
import type { Store } from '../store/open-store.js';
import { storeOutboundMedia } from '../store/outbound-media.js';
import { isMediaUrl } from './media-url.js';
import { bytesMatchType, describeBytes, MAX_MEDIA_ITEMS, MAX_MESSAGE_MEDIA_BYTES, maxBytesFor, MEDIA_TYPE_BY_EXTENSION } from './mms-limits.js';
import { nodeCrypto } from '../node-crypto.js';

export type MediaItem = { kind: 'url'; url: string } | { kind: 'file'; path: string; contentType: string; bytes: Uint8Array; sha256: string; filename: string };

/** How local files get a URL Twilio can fetch. */
export interface MediaHost {
  store: Store;
  /** The public URL of a serve sharing the store, or undefined when none runs. */
  publicBase(): Promise<string | undefined>;
  /** serve.mediaPath. */
  mediaPath: string;
  /** How long a URL works (media.urlTtlMinutes). */
  ttlMs: number;
  /** What to do when no public URL is known (differs between `send` and `serve`). */
  noPublicUrlHint: string;
}

/**
 * The local path a media item names, or undefined for a URL Twilio fetches itself. `file:` URLs are
 * paths; another scheme (ftp:, data:) is refused, as Twilio would refuse it (21620).
 */
export function localMediaPath(item: string): string | undefined {
  if (isMediaUrl(item)) return undefined;
  if (/^file:\/\//i.test(item)) return fileURLToPath(item);
  // Two letters at least, so a Windows drive (C:\photos\cat.jpg) is a path, not a scheme.
  if (/^[a-z][a-z0-9+.-]+:/i.test(item)) {
    throw new UserError(`--media ${JSON.stringify(item)} is neither an http(s) URL nor a local file; nothing was sent.`, {
      code: 'invalid_media_url',
      hint: 'Give a public URL such as https://example.com/cat.jpg, or a local file such as ./cat.jpg (served to Twilio by a running serve).',
    });
  }
  return item;
}

const refuse = (message: string, code: string, hint: string) => new UserError(`${message}; nothing was sent.`, { code, hint });

/** Reads and checks each local file (type, size, count, total); URLs pass through. */
export async function inspectMedia(items: readonly string[]): Promise<MediaItem[]> {
  if (items.length > MAX_MEDIA_ITEMS) throw refuse(`${items.length} media items given, Twilio sends at most ${MAX_MEDIA_ITEMS} per message`, 'too_many_media', 'Send the rest in another message.');
  const out: MediaItem[] = [];
  let total = 0;
  for (const item of items) {
    const local = localMediaPath(item);
    if (local === undefined) {
      out.push({ kind: 'url', url: item });
      continue;
    }
    const file = await readMediaFile(local, item);
    total += file.bytes.length;
    out.push(file);
  }
  if (total > MAX_MESSAGE_MEDIA_BYTES) {
    throw refuse(`the media files add up to ${describeBytes(total)}, over Twilio's ${describeBytes(MAX_MESSAGE_MEDIA_BYTES)} for one message`, 'media_too_large', 'Send them in separate messages, or make them smaller.');
  }
  return out;
}

async function readMediaFile(local: string, given: string): Promise<Extract<MediaItem, { kind: 'file' }>> {
  const file = path.resolve(local);
  const ext = path.extname(file).slice(1).toLowerCase();
  const contentType = MEDIA_TYPE_BY_EXTENSION[ext];
  if (!contentType) {
    const known = Object.keys(MEDIA_TYPE_BY_EXTENSION).join(', ');
    throw refuse(`--media ${JSON.stringify(given)} is not a type Twilio accepts for MMS (by its extension ${ext ? `.${ext}` : '(none)'})`, 'media_type', `Use a file ending in one of: ${known}; or give a public https:// URL.`);
  }
  let size: number;
  try {
    const info = await fsPromises.stat(file);
    if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    size = info.size;
  } catch (err) {
    throw unreadableFile('--media', given, err, 'media_unreadable');
  }
  const max = maxBytesFor(contentType);
  if (size > max) {
    const kind = max === maxBytesFor('image/jpeg') ? 'JPEG, PNG and GIF images' : `${contentType} (anything but JPEG, PNG and GIF images)`;
    throw refuse(`--media ${JSON.stringify(given)} is ${describeBytes(size)}; Twilio sends at most ${describeBytes(max)} of ${kind}`, 'media_too_large', 'Make it smaller (resize or compress an image, shorten a clip), or send it as a link in the body.');
  }
  let bytes: Uint8Array;
  try {
    bytes = await fsPromises.readFile(file);
  } catch (err) {
    throw unreadableFile('--media', given, err, 'media_unreadable');
  }
  if (!bytesMatchType(bytes, contentType)) {
    throw refuse(`--media ${JSON.stringify(given)} is named .${ext} but is not a ${contentType} file (Twilio refuses a file whose content does not match its type)`, 'media_type', 'Give the file the extension of what it really is.');
  }
  return { kind: 'file', path: file, contentType, bytes, sha256: nodeCrypto().createHash('sha256').update(bytes).digest('hex'), filename: safeFilename(path.basename(file), ext) };
}

/**
 * A file name for Content-Disposition as Twilio advises: no spaces or special characters, 20
 * characters at most, the extension kept.
 */
export function safeFilename(name: string, ext: string): string {
  const stem = name.slice(0, name.length - ext.length - 1).replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, Math.max(1, 19 - ext.length));
  return `${stem || 'media'}.${ext}`;
}

/** What the idempotency key stands for: URLs as given, files by content (their URLs differ per try). */
export function mediaFingerprint(items: readonly MediaItem[]): string[] {
  return items.map((m) => (m.kind === 'url' ? m.url : `file:${m.contentType}:${m.sha256}`));
}

/** The URLs Twilio fetches: local files stored under fresh tokens on the public URL of a running serve. */
export async function hostMedia(items: readonly MediaItem[], host: MediaHost | undefined): Promise<string[]> {
  if (!items.some((m) => m.kind === 'file')) return items.map((m) => (m as { url: string }).url);
  const base = host && (await host.publicBase());
  if (!host || !base) {
    throw refuse('A local file was given as --media, but no public URL is known to serve it to Twilio from', 'media_no_public_url', host?.noPublicUrlHint ?? 'Start `serve` on this store, or give a public https:// URL.');
  }
  const urls: string[] = [];
  for (const m of items) {
    if (m.kind === 'url') {
      urls.push(m.url);
      continue;
    }
    // 256 random bits: the only guard of a URL Twilio fetches without credentials.
    const token = nodeCrypto().randomBytes(32).toString('base64url');
    await storeOutboundMedia(host.store, { token, contentType: m.contentType, filename: m.filename, bytes: m.bytes, sha256: m.sha256, expiresAt: Date.now() + host.ttlMs });
    urls.push(`${base.replace(/\/+$/, '')}${host.mediaPath}/${token}`);
  }
  return urls;
}

/** A media URL with its token hidden, for logs and errors. */
export function redactMediaToken(url: string, mediaPath: string): string {
  const at = url.indexOf(`${mediaPath}/`);
  return at < 0 ? url : `${url.slice(0, at + mediaPath.length + 1)}***`;
}
