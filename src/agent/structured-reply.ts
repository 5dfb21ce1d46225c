/**
 * Replies with attachments: how an agent names files or URLs to send as MMS with its text. The http
 * agent answers `{"reply": "...", "media": [...]}`; the command agent prints the same JSON on stdout.
 */

/**
 * A text reply with attachments, sent as MMS: each item a public https URL or a local file (which
 * must lie under one of agent.mediaRoots).
 */
export interface ReplyWithMedia {
  text: string | null;
  media: string[];
}

const MAX_REPLY_MEDIA = 10;

/**
 * An agent's JSON answer `{"reply": "...", "media": ["./chart.png"]}`: the text alone, the text with
 * attachments, or undefined when the document is not of that shape. Hostile input: only strings
 * are taken, at most 10 attachments.
 */
export function structuredReply(doc: unknown): string | ReplyWithMedia | null | undefined {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return undefined;
  const { reply, media } = doc as { reply?: unknown; media?: unknown };
  if (!('reply' in doc) && !('media' in doc)) return undefined;
  const text = typeof reply === 'string' ? reply : null;
  const items = Array.isArray(media) ? media.filter((m): m is string => typeof m === 'string' && m !== '').slice(0, MAX_REPLY_MEDIA) : [];
  return items.length ? { text, media: items } : text;
}

