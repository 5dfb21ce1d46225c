/**
 * Message Media: what Twilio keeps of an MMS. The media URL (the resource's URI without `.json`)
 * needs Basic auth, as Twilio enforces for every media URL, and answers with a temporary redirect to
 * a short-lived signed path on the sandbox's "CDN" (`/cdn/media/...`), as Twilio redirects to its
 * storage. The CDN serves the bytes without auth and, like a pre-signed S3 URL, refuses a request
 * that also carries an Authorization header: a client that forwards the account's credentials across
 * the redirect fails here as it would against Twilio. List, fetch and delete follow the OpenAPI spec.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SandboxContext } from '../context.js';
import { notFound, pageOf, publicView, type Router, SandboxApiError } from '../http.js';
import { newSid, rfc2822 } from '../ids.js';

export interface MediaRecord {
  sid: string;
  account_sid: string;
  parent_sid: string;
  content_type: string;
  date_created: string;
  date_updated: string;
  uri: string;
  /** The bytes, base64 (kept with the record so `--data` keeps them across restarts). */
  _data: string;
  /** How many times the media URL was fetched (with the account's credentials). */
  _fetches?: number;
}

/** How long a CDN link from the redirect stays valid. */
const CDN_LINK_TTL_MS = 5 * 60_000;
export const CDN_PREFIX = '/cdn/media/';

export function storeMedia(ctx: SandboxContext, messageSid: string, contentType: string, bytes: Buffer): MediaRecord {
  const sid = newSid('ME');
  const now = rfc2822(new Date());
  return ctx.store.put<MediaRecord>('media', {
    sid,
    account_sid: ctx.account.sid,
    parent_sid: messageSid,
    content_type: contentType,
    date_created: now,
    date_updated: now,
    uri: `${ctx.accountPath}/Messages/${messageSid}/Media/${sid}.json`,
    _data: bytes.toString('base64'),
  });
}

/** The absolute media URL a webhook's MediaUrlN carries: the resource's URI without `.json`. */
export function mediaUrlOf(ctx: SandboxContext, media: MediaRecord): string {
  return ctx.baseUrl + media.uri.replace(/\.json$/, '');
}

/** The stored media behind one of the sandbox's own media URLs, if it is one. */
export function mediaAtUrl(ctx: SandboxContext, url: string): MediaRecord | undefined {
  const sid = /\/Media\/(ME[0-9a-f]{32})$/.exec(url)?.[1];
  const media = sid ? ctx.store.get<MediaRecord>('media', sid) : undefined;
  return media && mediaUrlOf(ctx, media) === url ? media : undefined;
}

export function mediaOfMessage(ctx: SandboxContext, messageSid: string): MediaRecord[] {
  return ctx.store.list<MediaRecord>('media').filter((m) => m.parent_sid === messageSid);
}

function signature(ctx: SandboxContext, sid: string, expires: number): string {
  return createHmac('sha256', ctx.account.authToken).update(`${sid}:${expires}`).digest('hex');
}

function cdnLink(ctx: SandboxContext, media: MediaRecord): string {
  const expires = Date.now() + CDN_LINK_TTL_MS;
  return `${ctx.baseUrl}${CDN_PREFIX}${media.sid}?Expires=${expires}&Signature=${signature(ctx, media.sid, expires)}`;
}

function findMedia(ctx: SandboxContext, params: Record<string, string>, path: string): MediaRecord {
  const media = ctx.store.get<MediaRecord>('media', params.Sid);
  if (!media || media.parent_sid !== params.MessageSid) throw notFound(path);
  return media;
}

/** The authenticated API: list, fetch, delete, and the media URL itself (a redirect to the CDN). */
export function registerMedia(router: Router, ctx: SandboxContext): void {
  const base = '/2010-04-01/Accounts/:AccountSid/Messages/:MessageSid/Media';
  router.on('GET', `${base}.json`, (req) => pageOf(req, mediaOfMessage(ctx, req.params.MessageSid).map(publicView), 'media_list'));
  router.on('GET', `${base}/:Sid.json`, (req) => ({ status: 200, json: publicView(findMedia(ctx, req.params, req.path)) }));
  router.on('DELETE', `${base}/:Sid.json`, (req) => {
    ctx.store.delete('media', findMedia(ctx, req.params, req.path).sid);
    return { status: 204 };
  });
  router.on('GET', `${base}/:Sid`, (req) => {
    const media = findMedia(ctx, req.params, req.path);
    ctx.store.put('media', { ...media, _fetches: (media._fetches ?? 0) + 1 });
    return { status: 307, headers: { location: cdnLink(ctx, media) } };
  });
}

/** `/sandbox/v1/media`: every stored item and how often its media URL was fetched (did serve fetch it?). */
export function registerMediaControl(router: Router, ctx: SandboxContext): void {
  router.on('GET', '/sandbox/v1/media', () => ({
    status: 200,
    json: { media: ctx.store.list<MediaRecord>('media').map((m) => ({ sid: m.sid, messageSid: m.parent_sid, contentType: m.content_type, size: Buffer.byteLength(m._data, 'base64'), fetches: m._fetches ?? 0 })) },
  }));
}

/** The CDN: no auth but a signed, expiring link; an Authorization header is refused as S3 refuses it. */
export function registerMediaCdn(router: Router, ctx: SandboxContext): void {
  router.on('GET', `${CDN_PREFIX}:Sid`, (req) => {
    if (req.headers.authorization) throw new SandboxApiError(400, 20001, 'Only one auth mechanism allowed: the link is signed, so send no Authorization header');
    const expires = Number(req.query.get('Expires'));
    const given = Buffer.from(req.query.get('Signature') ?? '');
    const expected = Buffer.from(signature(ctx, req.params.Sid, expires));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new SandboxApiError(403, 20003, 'Access denied: the link is not signed by the sandbox');
    if (!(expires > Date.now())) throw new SandboxApiError(403, 20003, 'Access denied: the link has expired');
    const media = ctx.store.get<MediaRecord>('media', req.params.Sid);
    if (!media) throw notFound(req.path);
    return { status: 200, body: Buffer.from(media._data, 'base64'), contentType: media.content_type };
  });
}
