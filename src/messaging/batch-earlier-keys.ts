/**
 * Rows a version before this one sent kept keys made from the batch file's path as given and the
 * row's line number (`batch:<id>:<line>:<hash>`); rows are now keyed by their content. A rerun after
 * upgrading finds those keys and keeps them, so what went out is answered from the store and never
 * sent again. Costs one indexed range query per batch when there are none (the usual case).
 */
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import type { Store } from '../store/open-store.js';
import type { BatchRow } from './batch.js';

/** The short hash batch ids and row keys are made of. */
export const hash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/** The batch id the earlier versions gave: the real path as given (not the canonical case), or the piped text. */
export function earlierBatchId(source: string, text: string): string {
  return hash(source === '-' ? `stdin:${text}` : `file:${realpathSync(source)}`);
}

/** The key an earlier version gave the row on line `row` of batch `id`. */
export function earlierRowKey(id: string, row: number, r: { to: string; body: string; media: string[] }): string {
  return `batch:${id}:${row}:${hash(`${r.to}\n${r.body}\n${r.media.join(' ')}`)}`;
}

/** Gives each row whose earlier key is in the store (alone, or its first chunk's `#1/N`) that key back. */
export async function keepEarlierKeys(store: Store, rows: BatchRow[]): Promise<void> {
  const ids = new Set(rows.map((r) => r.earlierKey?.split(':')[1]).filter((id): id is string => Boolean(id)));
  if (!ids.size) return;
  const db = await store.queryBuilder();
  const stored = new Set<string>();
  for (const id of ids) {
    // ';' follows ':' in ASCII: the range is every key starting with `batch:<id>:`, read through the primary key's index.
    const keys = await db.selectFrom('idempotency_keys').select('key').where('key', '>=', `batch:${id}:`).where('key', '<', `batch:${id};`).execute();
    for (const { key } of keys) stored.add(key.replace(/#\d+\/\d+$/, ''));
  }
  for (const r of rows) if (r.earlierKey && stored.has(r.earlierKey)) r.key = r.earlierKey;
}
