/**
 * The TwiML `serve` answers with.
 *

 * Characters XML 1.0 forbids even escaped (C0 controls but tab, CR and LF; U+FFFE/U+FFFF; lone
 * surrogates): one of them makes the whole answer ill-formed and Twilio drops the reply, so they go.
 */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function escapeXml(text: string): string {
  return text.replace(NOT_XML, '').replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** `<Response>` with one `<Message>` per text (none: an empty answer, Twilio sends nothing). */
export function messagingResponse(texts: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${texts.map((t) => `<Message>${escapeXml(t)}</Message>`).join('')}</Response>`;
}

/** A voice `<Response>`: `<Say>` each text (escaped), then hang up, or reject the call unanswered. */
export function voiceResponse(o: { say: string[]; end: 'hangup' } | { reject: 'rejected' | 'busy' }): string {
  const verbs = 'reject' in o ? `<Reject reason="${o.reject}"/>` : `${o.say.map((t) => `<Say>${escapeXml(t)}</Say>`).join('')}<Hangup/>`;
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${verbs}</Response>`;
}
