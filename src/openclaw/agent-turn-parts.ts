/**
 * What OpenClaw's agent gets of a turn, and what it asked to send. Attachments fetched for the turn
 * go as OpenClaw's inbound media facts (the context's `media`, what its other channels pass: OpenClaw
 * shows them to the agent as `[media attached: …]` and handles the files as it does theirs);
 * notices of the ones it does not get stay in the text, meant to be passed on to the texter. Its
 * answer's pieces become one reply: https URLs and local files go to serve's reply pipeline (which
 * lets a local file go only from OpenClaw's outbound media folder, where OpenClaw copies what its
 * media policy let the agent attach, or agent.mediaRoots; checked and served under a token URL), the
 * rest is named for the operator.
 */
import type { Reply, Turn } from '../agent/agent.js';
import { isMediaUrl } from '../messaging/media-url.js';
import type { InboundMediaFact, OutboundReplyPayload } from './sdk.js';

const MAX_REPLY_MEDIA = 10;

/** The turn's text, then one line per attachment it does not get. */
export function inboundBody(turn: Pick<Turn, 'text' | 'mediaUnavailable'>): string {
  const lines = (turn.mediaUnavailable ?? []).map((u) => `[Attachment ${u.index + 1} not available (${u.reason}): ${u.notice}]`);
  return lines.length ? [turn.text, ...lines].filter((l) => l !== '').join('\n') : turn.text;
}

/** The attachments fetched for the turn (local owner-only files, removed when the turn ends), in MediaUrlN order. */
export function inboundMediaFacts(turn: Pick<Turn, 'media' | 'messageSid'>): InboundMediaFact[] {
  return turn.media.map((m) => ({ path: m.path, contentType: m.contentType, ...(turn.messageSid ? { messageId: turn.messageSid } : {}) }));
}

/** Why an attachment OpenClaw's agent named cannot go, or undefined when serve's reply pipeline takes it. */
function refusal(item: unknown): string | undefined {
  if (typeof item !== 'string' || item.trim() === '') return 'an attachment that is not a URL or a file';
  if (isMediaUrl(item)) return item.startsWith('https:') ? undefined : 'an attachment on a plain http URL (only https URLs and local files go as MMS)';
  // A Windows drive (C:\…) is a path; another scheme (media://, data:) is nothing Twilio can fetch.
  if (/^[a-z][a-z0-9+.-]+:/i.test(item) && !/^file:/i.test(item)) return `an attachment Twilio cannot fetch (${item.slice(0, item.indexOf(':') + 1)} is neither https nor a local file)`;
  return undefined;
}

/** Gathers the pieces OpenClaw delivers for one turn. */
export function createDeliveredReply() {
  const texts: string[] = [];
  const media: string[] = [];
  const dropped: string[] = [];
  return {
    add(payload: OutboundReplyPayload) {
      if (payload.text?.trim()) texts.push(payload.text);
      for (const item of payload.mediaUrls ?? []) {
        const why = refusal(item);
        if (why) dropped.push(why);
        else if (media.length >= MAX_REPLY_MEDIA) dropped.push(`an attachment past the first ${MAX_REPLY_MEDIA} (an MMS carries at most ${MAX_REPLY_MEDIA})`);
        else media.push(item as string);
      }
    },
    get empty() {
      return texts.length === 0 && media.length === 0;
    },
    reply(): Reply {
      const text = texts.length ? texts.join('\n\n') : null;
      if (media.length === 0 && dropped.length === 0) return text;
      return { text, media, ...(dropped.length ? { dropped } : {}) };
    },
  };
}
