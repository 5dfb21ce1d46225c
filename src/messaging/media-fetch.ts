/**
 * Inbound MMS media for an admitted sender's turn: each MediaUrlN fetched with the account's Basic
 * auth, only from this account's Twilio media URLs, redirects (Twilio's to its CDN) followed without
 * the credentials (media-fetch-hosts.ts); at most 10 items, the message's bytes capped while they
 * stream to disk (media-fetch-stream.ts), one deadline for them all, and the type Twilio declared
 * (MediaContentTypeN) checked against the download's. What cannot be had becomes a notice for the
 * agent, so it can tell the texter; nothing here throws, so media never costs the text.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type MediaOrigin, mayCarryCredentials, refuseMediaUrl, refuseRedirect } from './media-fetch-hosts.js';
import { MediaTooLargeError, streamToFile } from './media-fetch-stream.js';
import { extensionForType, normalizeContentType } from './media-types.js';

/** Twilio's most media in one message; more is never fetched. */
export const MAX_MEDIA_ITEMS = 10;
const MAX_REDIRECTS = 5;

export interface MediaItem {
  url: string;
  /** MediaContentTypeN as Twilio declared it. */
  contentType: string;
}

export interface FetchedMedia {
  /** N of MediaUrlN. */
  index: number;
  /** The local file (owner-only), removed after the turn. */
  path: string;
  contentType: string;
  size: number;
}

export type UnavailableReason = 'over-limit' | 'not-twilio' | 'too-large' | 'type-mismatch' | 'fetch-failed' | 'timed-out';

export interface UnavailableMedia {
  index: number;
  contentType: string;
  reason: UnavailableReason;
  /** A sentence the agent can act on (and pass on to the texter). */
  notice: string;
}

export interface MediaResult {
  media: FetchedMedia[];
  unavailable: UnavailableMedia[];
}

export interface MediaFetchOptions {
  origin: MediaOrigin;
  /** Basic auth: the account SID and Auth Token, or an API key and secret. */
  credentials: { username: string; password: string };
  /** The turn's own folder; made owner-only when the first file is written. */
  dir: string;
  /** All of one message's media together. */
  maxBytes: number;
  /** For all of one message's media together. */
  timeoutMs: number;
  /** Shutdown: stops the downloads. */
  signal?: AbortSignal;
}

class MediaRefused extends Error {
  constructor(
    readonly reason: UnavailableReason,
    message: string,
  ) {
    super(message);
  }
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

export async function fetchInboundMedia(items: MediaItem[], o: MediaFetchOptions): Promise<MediaResult> {
  const result: MediaResult = { media: [], unavailable: [] };
  const deadline = AbortSignal.any([AbortSignal.timeout(o.timeoutMs), ...(o.signal ? [o.signal] : [])]);
  let budget = o.maxBytes;
  for (const [index, item] of items.entries()) {
    const refuse = (reason: UnavailableReason, why: string) =>
      result.unavailable.push({ index, contentType: item.contentType, reason, notice: `Attachment ${index + 1} (${item.contentType || 'unknown type'}) ${why}.` });
    if (index >= MAX_MEDIA_ITEMS) {
      refuse('over-limit', `was not fetched: at most ${MAX_MEDIA_ITEMS} attachments are taken from one message`);
      continue;
    }
    const refused = refuseMediaUrl(item.url, o.origin);
    if (refused) {
      refuse('not-twilio', `was not fetched: ${refused}`);
      continue;
    }
    try {
      const fetched = await fetchOne(item, index, budget, o, deadline);
      budget -= fetched.size;
      result.media.push(fetched);
    } catch (err) {
      const [reason, why] = explain(err, o, deadline);
      refuse(reason, why);
    }
  }
  return result;
}

function explain(err: unknown, o: MediaFetchOptions, deadline: AbortSignal): [UnavailableReason, string] {
  if (err instanceof MediaTooLargeError) return ['too-large', `is too large: one message's media may have ${formatBytes(o.maxBytes)} in all`];
  if (err instanceof MediaRefused) return [err.reason, err.message];
  if (o.signal?.aborted) return ['fetch-failed', 'was not fetched: serve is stopping'];
  if (deadline.aborted) return ['timed-out', `was not fetched within ${o.timeoutMs} ms`];
  const cause = (err as { cause?: NodeJS.ErrnoException }).cause;
  return ['fetch-failed', `could not be downloaded (${cause?.code ?? (err as Error).message})`];
}

async function fetchOne(item: MediaItem, index: number, budget: number, o: MediaFetchOptions, signal: AbortSignal): Promise<FetchedMedia> {
  const res = await follow(item.url, o, signal);
  const declared = item.contentType ? normalizeContentType(item.contentType) : undefined;
  const served = res.headers.get('content-type');
  const type = served ? normalizeContentType(served) : (declared ?? 'application/octet-stream');
  const length = Number(res.headers.get('content-length') ?? NaN);
  if ((declared && type !== declared) || length > budget || !res.body) await res.body?.cancel();
  if (declared && type !== declared) throw new MediaRefused('type-mismatch', `was not kept: Twilio said ${declared} but the download is ${type}`);
  if (length > budget) throw new MediaTooLargeError(budget);
  if (!res.body) throw new MediaRefused('fetch-failed', 'could not be downloaded (an empty answer)');
  // Made only now, so a refused download leaves no folder; a failure here must still let go of the answer.
  await mkdir(o.dir, { recursive: true, mode: 0o700 }).catch(async (err: unknown) => {
    await res.body?.cancel();
    throw err;
  });
  const file = path.join(o.dir, `${index + 1}.${extensionForType(type)}`);
  const size = await streamToFile(res.body, file, budget, signal);
  return { index, path: file, contentType: type, size };
}

/** The download, after redirects; credentials only on requests to the account's media URL itself. */
async function follow(url: string, o: MediaFetchOptions, signal: AbortSignal): Promise<Response> {
  const basic = 'Basic ' + Buffer.from(`${o.credentials.username}:${o.credentials.password}`).toString('base64');
  let target = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const headers: Record<string, string> = mayCarryCredentials(target, o.origin) ? { authorization: basic } : {};
    const res = await fetch(target, { headers, redirect: 'manual', signal });
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      const next = new URL(location, target).href;
      const refused = refuseRedirect(next, o.origin);
      if (refused) throw new MediaRefused('fetch-failed', `was not fetched: ${refused}`);
      target = next;
      continue;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new MediaRefused('fetch-failed', `could not be downloaded (HTTP ${res.status}${res.status === 401 ? ': Twilio refused the credentials' : ''})`);
    }
    return res;
  }
  throw new MediaRefused('fetch-failed', `was not fetched: more than ${MAX_REDIRECTS} redirects`);
}
