/**
 * The TwiML the product emits, built in one place: `<Response>` and the verbs it uses (`<Message>`,
 * `<Say>`, `<Hangup>`, `<Reject>`). Every text goes through one escaper. (The sandbox reads TwiML
 * with its own interpreter; it never builds it.)
 */

/**
 * Characters XML 1.0 forbids even escaped (C0 controls but tab, CR and LF; U+FFFE/U+FFFF; lone
 * surrogates): one of them makes the whole answer ill-formed and Twilio drops the reply, so they go.
 */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const ENTITY: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' };

/** Text (or an attribute value) as valid XML 1.0: forbidden characters dropped, the five specials escaped. */
export function escapeXml(text: string): string {
  return text.replace(NOT_XML, '').replace(/[<>&"']/g, (c) => ENTITY[c]);
}

/** One verb, already escaped: only the builders below make them, so raw text cannot slip into a response. */
export type Verb = string & { readonly __verb: true };
const verb = (xml: string) => xml as Verb;

/**
 * `statusCallback`: Twilio posts the message's delivery states there (the `action` attribute).
 * With `media` (URLs Twilio fetches), the text goes in `<Body>` and each URL in a `<Media>`.
 */
export const message = (text: string, statusCallback?: string, media: readonly string[] = []): Verb => {
  const content = media.length ? `<Body>${escapeXml(text)}</Body>${media.map((url) => `<Media>${escapeXml(url)}</Media>`).join('')}` : escapeXml(text);
  return verb(`<Message${statusCallback ? ` action="${escapeXml(statusCallback)}" method="POST"` : ''}>${content}</Message>`);
};
export const say = (text: string): Verb => verb(`<Say>${escapeXml(text)}</Say>`);
export const hangup = (): Verb => verb('<Hangup/>');
/** Turns a call away unanswered (no charge to the caller); `busy` plays a busy tone. */
export const reject = (reason: 'rejected' | 'busy'): Verb => verb(`<Reject reason="${reason}"/>`);

export function twimlResponse(verbs: Verb[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${verbs.join('')}</Response>`;
}

/** `<Response>` with one `<Message>` per text (none: an empty answer, Twilio sends nothing). */
export function messagingResponse(texts: string[], statusCallback?: string, media: readonly string[] = []): string {
  // Media goes with the first message only, so it is paid for (and seen) once.
  return twimlResponse(texts.map((t, i) => message(t, statusCallback, i === 0 ? media : [])));
}

/** A voice `<Response>`: `<Say>` each text, then hang up; or reject the call unanswered. */
export function voiceResponse(o: { say: string[]; end: 'hangup' } | { reject: 'rejected' | 'busy' }): string {
  return twimlResponse('reject' in o ? [reject(o.reject)] : [...o.say.map(say), hangup()]);
}
