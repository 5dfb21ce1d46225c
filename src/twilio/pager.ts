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
}

/** Every item of the list at `path` (e.g. `Messages.json`), found under `key` (e.g. `messages`) in each page. */
export async function listAll<T>(client: RestClient, path: string, key: string, opts: ListOptions = {}): Promise<T[]> {
  const limit = opts.limit ?? Infinity;
  const pageSize = Math.min(MAX_PAGE_SIZE, Math.max(1, opts.pageSize ?? limit));
  const out: T[] = [];
  let page = await client.request<Record<string, unknown>>('GET', path, { query: { ...opts.query, PageSize: pageSize } });
  for (;;) {
    out.push(...((page[key] as T[] | undefined) ?? []));
    const next = page.next_page_uri;
    if (out.length >= limit || typeof next !== 'string' || next === '') return out.slice(0, limit);
    page = await client.request<Record<string, unknown>>('GET', next);
  }
}
