/**
 * Media URLs for MMS: Twilio fetches each one itself, so it must be an absolute http or https URL
 * (anything else is refused with error 21620). Checked before sending, so nothing is half sent.
 */
import { UserError } from '../errors.js';

export function isMediaUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false; // not a URL at all
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
}

export function requireMediaUrls(urls: readonly string[]): void {
  const bad = urls.find((u) => !isMediaUrl(u));
  if (bad !== undefined) {
    throw new UserError(`--media ${JSON.stringify(bad)} is not an absolute http or https URL; nothing was sent.`, {
      code: 'invalid_media_url',
      hint: 'Twilio downloads media from the web itself: give a public URL such as https://example.com/cat.jpg (a local file must be uploaded somewhere first).',
    });
  }
}
