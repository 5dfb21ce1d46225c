/**
 * The attachment of a send OpenClaw asks for (`outbound.sendMedia`: `openclaw message send --media`,
 * the agent's message tool): a URL goes to Twilio as it is, a local file only where OpenClaw's media
 * policy lets this send read (the folders it hands over in mediaAccess.localRoots, or "any"; without
 * them its agent-scoped media folders), judged by the file's real path so a symbolic link cannot lead
 * out. The file then goes the way of `send --media` (type, size and content checked, served to Twilio
 * under an expiring token from the Gateway's serve.mediaPath route).
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import { localMediaPath } from '../messaging/outbound-media.js';
import { isUnderRoots } from '../server/reply-media.js';
import type { ChannelOutboundContext } from './sdk.js';

type MediaContext = Pick<ChannelOutboundContext, 'cfg' | 'mediaUrl' | 'mediaAccess' | 'mediaLocalRoots'>;

/** The folders OpenClaw lets this send read files from, or "any". */
async function allowedRoots(ctx: MediaContext): Promise<readonly string[] | 'any'> {
  const given = ctx.mediaAccess?.localRoots ?? ctx.mediaLocalRoots;
  if (given === 'any' || (given && given.length > 0)) return given;
  const { getAgentScopedMediaLocalRoots } = await import('openclaw/plugin-sdk/media-local-roots');
  return getAgentScopedMediaLocalRoots(ctx.cfg);
}

/** What `send --media` gets for this attachment: the URL, or the local file's real path. */
export async function permittedMedia(ctx: MediaContext & { mediaUrl: string }): Promise<string> {
  const local = localMediaPath(ctx.mediaUrl);
  if (local === undefined) return ctx.mediaUrl;
  const real = await realpath(path.resolve(local)).catch(() => undefined);
  if (!real) throw new UserError(`The attachment ${JSON.stringify(ctx.mediaUrl)} does not exist or cannot be read; nothing was sent.`, { code: 'media_unreadable', hint: 'Give a file that exists, or a public https:// URL.' });
  const roots = await allowedRoots(ctx);
  if (roots !== 'any' && !(await isUnderRoots(real, roots))) {
    throw new UserError(`The attachment ${JSON.stringify(ctx.mediaUrl)} is outside the folders OpenClaw lets this send read (${roots.join(', ') || 'none'}); nothing was sent.`, {
      code: 'media_outside_roots',
      hint: "Move the file into one of those folders (OpenClaw's media or workspace folder), or give a public https:// URL.",
    });
  }
  return real;
}
