/** The TwiML `serve` answers with. */
export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** `<Response>` with one `<Message>` per text (none: an empty answer, Twilio sends nothing). */
export function messagingResponse(texts: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?><Response>${texts.map((t) => `<Message>${escapeXml(t)}</Message>`).join('')}</Response>`;
}
