/**
 * The one way the product reads a Twilio list endpoint: ask for big pages, follow `next_page_uri`
 * (a path Twilio gives, query included) until the list ends or `limit` items are in hand.
 */
import type { FormParams, RestClient } from './rest-client.js';

/** Twilio's largest page. */
export const MAX_PAGE_SIZE = 1000;

export interface ListOptions {
  /** Query of the first page (filters); `PageSize` is set from `limit`. */
  query?: FormParams;
  /** Stop after this many items. @default all of them */
  limit?: number;
  /** Items a page. @default the limit, at most 1000 (fewest requests) */
  pageSize?: number;
  /** Follow no further page once an item of this one answers true (a list newest first, read back to a time). */
  lastPageWhen?: (item: unknown) => boolean;
}

/** Every item of the list at `path` (e.g. `Messages.json`), found under `key` (e.g. `messages`) in each page. */
export async function listAll<T>(client: RestClient, path: string, key: string, opts: ListOptions = {}): Promise<T[]> {
  const limit = opts.limit ?? Infinity;
  const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, opts.pageSize ?? limit));
  const out: T[] = [];
  let page = await client.request<Record<string, unknown>>('GET', path, { query: { ...opts.query, PageSize: pageSize } });
  for (;;) {
    const items = (page[key] as T[] | undefined) ?? [];
    out.push(...items);
    const next = page.next_page_uri;
    if (out.length >= limit || typeof next !== 'string' || next === '' || (opts.lastPageWhen && items.some(opts.lastPageWhen))) return out.slice(0, limit);
    page = await client.request<Record<string, unknown>>('GET', next);
  }
}
