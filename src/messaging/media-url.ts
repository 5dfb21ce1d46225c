/**
 * Media URLs for MMS: Twilio fetches each one itself, so it must be an absolute http or https URL
 * (anything else is refused with error 21620). Anything else `send --media` takes is a local file
 * (outbound-media.ts).
 */
export function isMediaUrl(text: string): boolean {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return false; // not a URL at all
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
}
