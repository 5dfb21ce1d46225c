/** Twilio-shaped identifiers and dates. */
import { randomBytes } from 'node:crypto';

/** A SID: two-letter prefix and 32 hex characters, e.g. SM0123... */
export function newSid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

/** Twilio's RFC 2822 date form: "Fri, 24 May 2019 17:44:46 +0000". */
export function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

export const API_VERSION = '2010-04-01';
