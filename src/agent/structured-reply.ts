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
  /** What the agent's answer held that is not sent (a reply that is not text, items past 10...), each said as a warning. */
  dropped?: string[];
}

const MAX_REPLY_MEDIA = 10;

const kindOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`);

/**
 * An agent's JSON answer `{"reply": "...", "media": ["./chart.png"]}`: the text alone, the text with
 * attachments, or undefined when the document is not of that shape. Hostile input: only strings
 * are taken, at most 10 attachments; what is left out is named in `dropped`.
 */
export function structuredReply(doc: unknown): string | ReplyWithMedia | null | undefined {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return undefined;
  const { reply, media } = doc as { reply?: unknown; media?: unknown };
  if (!('reply' in doc) && !('media' in doc)) return undefined;
  const dropped: string[] = [];
  const text = typeof reply === 'string' ? reply : null;
  if (reply !== undefined && reply !== null && typeof reply !== 'string') dropped.push(`"reply" is ${kindOf(reply)}, not text`);
  if (media !== undefined && media !== null && !Array.isArray(media)) dropped.push(`"media" is ${kindOf(media)}, not a list`);
  const listed = Array.isArray(media) ? (media as unknown[]) : [];
  const strings = listed.filter((m): m is string => typeof m === 'string' && m !== '');
  if (strings.length < listed.length) dropped.push(`${listed.length - strings.length} "media" item(s) that are not a file or URL (not a non-empty string)`);
  const items = strings.slice(0, MAX_REPLY_MEDIA);
  if (strings.length > items.length) dropped.push(`${strings.length - items.length} "media" item(s) past the first ${MAX_REPLY_MEDIA} (an MMS carries at most ${MAX_REPLY_MEDIA})`);
  if (dropped.length) return { text, media: items, dropped };
  return items.length ? { text, media: items } : text;
}
