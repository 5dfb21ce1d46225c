/**
 * Webhooks a serve instance died handling (`webhook.orphaned`, found by any live instance's heartbeat
 * sweep and reported once): besides the log line and the `/metrics` counter of the instance that
 * found them, each is written to the store's audit log, so `doctor` (another process, maybe another
 * machine) can say how many there were in the last day and when the newest was. Only the route and
 * the MessageSid: the webhook's body was never stored.
 */
import { forgetDeadInstances, type OrphanedWebhook } from '../store/instances.js';
import { appendEvents } from '../store/events.js';
import type { Store } from '../store/open-store.js';
import { messageSidOfKey } from './dedup.js';

export const ORPHANED_EVENT = 'webhook.orphaned';

/** The heartbeat's sweep: forgets dead instances and records (then hands on) the webhooks they left unanswered. */
export async function sweepDeadInstances(store: Store, onOrphaned?: (webhooks: OrphanedWebhook[]) => void): Promise<void> {
  const orphaned = await forgetDeadInstances(store);
  if (!orphaned.length) return;
  try {
    await appendEvents(
      store,
      orphaned.map((w) => {
        const messageSid = messageSidOfKey(w.key);
        return { kind: ORPHANED_EVENT, correlationId: messageSid ?? null, data: { route: w.route.slice(0, 64), ...(messageSid ? { messageSid } : {}) } };
      }),
    );
  } finally {
    // Reported once whatever the write did: the sweep that found them cleared their owner.
    onOrphaned?.(orphaned);
  }
}

export interface OrphanedFacts {
  /** Reported in the 24 hours before now. */
  last24h: number;
  /** When the newest was reported (ISO, the reporting instance's clock), or null: none on record. */
  newestAt: string | null;
}

/** What doctor says of them: how many in the last day and the newest's time (the audit log's index on kind and time). */
export async function orphanedFacts(store: Store, now = Date.now()): Promise<OrphanedFacts> {
  const db = await store.queryBuilder();
  const since = new Date(now - 24 * 3600_000).toISOString();
  const recent = await db.selectFrom('events').select((eb) => eb.fn.countAll<number | string>().as('n')).where('kind', '=', ORPHANED_EVENT).where('at', '>', since).executeTakeFirst();
  const newest = await db.selectFrom('events').select((eb) => eb.fn.max('at').as('at')).where('kind', '=', ORPHANED_EVENT).executeTakeFirst();
  // PostgreSQL returns COUNT(*) as text.
  return { last24h: Number(recent?.n ?? 0), newestAt: newest?.at ?? null };
}
