/**
 * What Twilio does with the MediaUrl of an outbound MMS, done by the sandbox: when the message leaves
 * its queue, each URL is fetched (plainly, no credentials, redirects followed) and checked against
 * Twilio's rules (mms-limits.ts). A URL that cannot be fetched fails the message with 11200 (HTTP
 * retrieval failure), a type Twilio does not take with 12300 (Invalid Content-Type), and media over
 * the size limits with 30019 (Content size exceeds carrier limit). What was fetched is kept (type,
 * size, SHA-256 of the bytes) for the inbox and the control API.
 */
import { createHash } from 'node:crypto';
import { bareContentType, bytesMatchType, describeBytes, isAcceptedMediaType, MAX_MESSAGE_MEDIA_BYTES, maxBytesFor } from '../../messaging/mms-limits.js';

export interface FetchedMedia {
  url: string;
  contentType: string;
  size: number;
  sha256: string;
}

export type MediaFetchOutcome = { ok: true; media: FetchedMedia[] } | { ok: false; code: number; message: string };

/** Twilio gives a media server as long as a webhook: 15 s. */
const FETCH_TIMEOUT_MS = 15_000;

class FetchFailure extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** Reads the body, giving up as soon as it passes `max` bytes (a server may lie about, or omit, Content-Length). */
async function readCapped(res: Response, max: number, where: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body ?? []) {
    size += (chunk as Uint8Array).length;
    if (size > max) throw new FetchFailure(30019, `The media ${where} is over ${describeBytes(max)}, the limit for its type`);
    chunks.push(Buffer.from(chunk as Uint8Array));
  }
  return Buffer.concat(chunks);
}

/**
 * A media URL as errors name it: its host only. A URL of serve's carries the file's secret token in its
 * path, and these messages are stored (error_message) and printed by `messages get`.
 */
function hostOf(url: string): string {
  try {
    return `on ${new URL(url).host}`;
  } catch {
    return '(not a valid URL)';
  }
}

async function fetchOne(url: string, budget: number, signal: AbortSignal): Promise<FetchedMedia> {
  const where = hostOf(url);
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow', signal: AbortSignal.any([signal, AbortSignal.timeout(FETCH_TIMEOUT_MS)]) });
  } catch (err) {
    throw new FetchFailure(11200, `HTTP retrieval failure: the media URL ${where} could not be reached (${(err as Error).message.replaceAll(url, '<the URL>')})`);
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new FetchFailure(11200, `HTTP retrieval failure: the media URL ${where} answered HTTP ${res.status}`);
  }
  const contentType = bareContentType(res.headers.get('content-type'));
  if (!isAcceptedMediaType(contentType)) {
    await res.body?.cancel();
    throw new FetchFailure(12300, `Invalid Content-Type: the media URL ${where} answered ${contentType || 'no Content-Type'}, not a type accepted for MMS`);
  }
  const max = Math.min(maxBytesFor(contentType), budget);
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > max) {
    await res.body?.cancel();
    throw new FetchFailure(30019, `The media ${where} is ${describeBytes(declared)}, over the ${describeBytes(max)} allowed for it`);
  }
  let bytes: Buffer;
  try {
    bytes = await readCapped(res, max, where);
  } catch (err) {
    if (err instanceof FetchFailure) throw err;
    throw new FetchFailure(11200, `HTTP retrieval failure: reading the media ${where} failed (${(err as Error).message.replaceAll(url, '<the URL>')})`);
  }
  if (!bytesMatchType(bytes, contentType)) throw new FetchFailure(12300, `Invalid Content-Type: the media ${where} is not the ${contentType} its Content-Type says`);
  return { url, contentType, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** Fetches every URL in order; the first failure decides the message's error. Never throws. */
export async function fetchMessageMedia(urls: readonly string[], signal: AbortSignal): Promise<MediaFetchOutcome> {
  const media: FetchedMedia[] = [];
  let left = MAX_MESSAGE_MEDIA_BYTES;
  try {
    for (const url of urls) {
      const item = await fetchOne(url, left, signal);
      left -= item.size;
      media.push(item);
    }
  } catch (err) {
    if (err instanceof FetchFailure) return { ok: false, code: err.code, message: err.message };
    return { ok: false, code: 11200, message: `HTTP retrieval failure: ${(err as Error).message}` };
  }
  return { ok: true, media };
}
