/**
 * `store.retentionDays`: message bodies (and the copies of them kept with idempotency keys and
 * decided approvals) are blanked once they are older than this; the rows stay, so history, "never
 * messaged before" checks and de-duplication keep working. `serve` prunes at start and once a day.
 */
import type { Store } from './open-store.js';
import { statement } from './statement.js';

const PRUNED = JSON.stringify({ pruned: 'store.retentionDays' });

const PRUNE_MESSAGES = statement("UPDATE messages SET body = '' WHERE created_at < ? AND body <> ''");
// Pending keys keep their request: it is what reconciles a send whose answer was lost.
const PRUNE_KEYS = statement("UPDATE idempotency_keys SET request = ? WHERE created_at < ? AND state <> 'pending' AND request <> ?");
const PRUNE_APPROVALS = statement("UPDATE approvals SET request = ? WHERE created_at < ? AND status <> 'pending' AND request <> ?");

export async function pruneOldBodies(store: Store, retentionDays: number, now = new Date()): Promise<void> {
  if (retentionDays <= 0) return; // 0 keeps bodies for ever
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
  await Promise.all([store.write(PRUNE_MESSAGES, [cutoff]), store.write(PRUNE_KEYS, [PRUNED, cutoff, PRUNED]), store.write(PRUNE_APPROVALS, [PRUNED, cutoff, PRUNED])]);
}

/** Prunes now and then once a day; the returned function stops it. */
export async function startBodyRetention(store: Store, retentionDays: number, onError: (err: Error) => void): Promise<() => void> {
  await pruneOldBodies(store, retentionDays);
  const timer = setInterval(() => void pruneOldBodies(store, retentionDays).catch(onError), 86_400_000);
  timer.unref();
  return () => clearInterval(timer);
}
