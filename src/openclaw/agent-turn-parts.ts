/**
 * What OpenClaw's agent reads of a turn, and what it asked to send: the text with a line for each
 * attachment (its type, size and local file, fetched for it) and each notice of one it does not get
 * (meant to be passed on to the texter); and its answer's pieces gathered into one reply, with the
 * attachments an MMS can carry (https URLs) and what could not go named for the operator.
 */
import type { Reply, Turn } from '../agent/agent.js';
import type { OutboundReplyPayload } from './sdk.js';

const MAX_REPLY_MEDIA = 10;

/** The turn's text, then one line per attachment and per unavailable attachment. */
export function inboundBody(turn: Pick<Turn, 'text' | 'media' | 'mediaUnavailable'>): string {
  const lines = [
    ...turn.media.map((m) => `[Attachment ${m.index + 1}: ${m.contentType}, ${m.size} bytes, saved at ${m.path}]`),
    ...(turn.mediaUnavailable ?? []).map((u) => `[Attachment ${u.index + 1} not available (${u.reason}): ${u.notice}]`),
  ];
  return lines.length ? [turn.text, ...lines].filter((l) => l !== '').join('\n') : turn.text;
}

const isHttps = (url: string) => {
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
};

/** Gathers the pieces OpenClaw delivers for one turn. */
export function createDeliveredReply() {
  const texts: string[] = [];
  const media: string[] = [];
  const dropped: string[] = [];
  return {
    add(payload: OutboundReplyPayload) {
      if (payload.text?.trim()) texts.push(payload.text);
      for (const url of payload.mediaUrls ?? []) {
        if (typeof url !== 'string' || !isHttps(url)) dropped.push('an attachment that is not an https URL (only https URLs can be sent as MMS from the Gateway)');
        else if (media.length >= MAX_REPLY_MEDIA) dropped.push(`an attachment past the first ${MAX_REPLY_MEDIA} (an MMS carries at most ${MAX_REPLY_MEDIA})`);
        else media.push(url);
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
