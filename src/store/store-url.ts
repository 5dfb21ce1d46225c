/**
 * What a store.url names: a SQLite file (a path, or `sqlite:PATH`) or a PostgreSQL database
 * (`postgres://` or `postgresql://`). Anything else shaped like a URL (`postgress://`, `mysql://...`)
 * is refused: taken as a file path it would quietly become a SQLite store in a folder named after
 * the scheme, and texts would be sent and recorded there.
 */
import { ConfigError } from '../errors.js';
import { redactUrl } from '../secrets/redact-url.js';
import type { Dialect } from './migrations.js';

/** The forms store.url accepts, for messages. */
export const STORE_URL_FORMS = 'a SQLite file path (e.g. telephony.sqlite, /var/lib/telephony.sqlite or C:\\data\\telephony.sqlite), sqlite:PATH, or a PostgreSQL URL such as postgres://db.internal:5432/openclaw (postgresql:// too)';

const POSTGRES = /^postgres(ql)?:\/\//i;
// A drive letter (C:\ or C:/) is one letter, so a scheme of two or more before "://" is a URL.
const URL_SCHEME = /^([a-z][a-z0-9+.-]+):\/\//i;

/** Why `url` is not a store this tool can open, or undefined when it is one. */
export function storeUrlProblem(url: string): string | undefined {
  if (url.trim() === '') return 'store.url is empty';
  if (POSTGRES.test(url)) return undefined;
  const scheme = URL_SCHEME.exec(url)?.[1];
  if (scheme === undefined) return undefined;
  return `store.url ${JSON.stringify(redactUrl(url))} has the scheme "${scheme}://", which is neither PostgreSQL nor SQLite`;
}

export function describeStoreUrl(url: string): { dialect: Dialect; location: string } {
  const problem = storeUrlProblem(url);
  if (problem) throw new ConfigError(`${problem}.`, `Set store.url to ${STORE_URL_FORMS}.`, 'store_url');
  if (POSTGRES.test(url)) return { dialect: 'postgres', location: redactUrl(url) };
  return { dialect: 'sqlite', location: url.replace(/^sqlite:/i, '') };
}
