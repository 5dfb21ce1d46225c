/**
 * Which inbound media URLs are fetched, and which requests carry the account's credentials. A webhook's
 * MediaUrlN is outside text: the credentials go only to a Twilio Message Media URL of this account
 * (on api.twilio.com or a regional api.{edge}.{region}.twilio.com host, or, with the sandbox or
 * twilio.apiBaseUrl, on that origin), never to the CDN Twilio redirects to, nor anywhere else.
 */

export interface MediaOrigin {
  /** Our account: only its media is fetched with its credentials. */
  accountSid: string;
  /** The sandbox's (or twilio.apiBaseUrl's) origin; when set, the only host media comes from. */
  apiOrigin?: string;
}

// Twilio's REST hosts: the default, and the regional forms api.{region}.twilio.com and api.{edge}.{region}.twilio.com.
const TWILIO_API_HOST = /^api(\.[a-z0-9-]+){0,2}\.twilio\.com$/;
const MEDIA_PATH = /^\/2010-04-01\/Accounts\/(AC[0-9a-fA-F]{32})\/Messages\/(?:MM|SM)[0-9a-fA-F]{32}\/Media\/ME[0-9a-fA-F]{32}$/;

const parse = (text: string) => {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
};

/** Whether a URL is on the API host media is taken from (Twilio's, or the configured origin). */
function onApiHost(url: URL, origin: MediaOrigin): boolean {
  if (url.username || url.password) return false;
  if (origin.apiOrigin) return url.origin === new URL(origin.apiOrigin).origin;
  return url.protocol === 'https:' && url.port === '' && TWILIO_API_HOST.test(url.hostname);
}

/** Why a MediaUrlN is refused before any request, or undefined when it is this account's Twilio media. */
export function refuseMediaUrl(text: string, origin: MediaOrigin): string | undefined {
  const url = parse(text);
  if (!url) return 'it is not a URL';
  if (!onApiHost(url, origin)) return `${url.protocol === 'https:' || url.protocol === 'http:' ? url.host : url.protocol} is not ${origin.apiOrigin ? `the configured API (${new URL(origin.apiOrigin).host})` : "one of Twilio's media hosts"}`;
  const account = MEDIA_PATH.exec(url.pathname)?.[1];
  if (!account) return 'it is not a Twilio Message Media URL';
  if (account !== origin.accountSid) return 'it belongs to another Twilio account';
  return undefined;
}

/** Credentials go with a request only to this account's media resource itself, never to where it redirects. */
export function mayCarryCredentials(text: string, origin: MediaOrigin): boolean {
  return refuseMediaUrl(text, origin) === undefined;
}

/** Why a redirect is not followed: only https (or the configured origin, for the sandbox's CDN path). */
export function refuseRedirect(text: string, origin: MediaOrigin): string | undefined {
  const url = parse(text);
  if (!url) return 'the redirect is not a URL';
  if (url.username || url.password) return 'the redirect carries credentials in its URL';
  if (url.protocol === 'https:') return undefined;
  if (origin.apiOrigin && url.origin === new URL(origin.apiOrigin).origin) return undefined;
  return `the redirect goes to ${url.protocol}//${url.host}, not https`;
}
