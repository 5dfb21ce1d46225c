/**
 * One `serve` per SQLite file. On SQLite the webhook claim and the order of turns hold only inside
 * one process (dedup.ts, sessions.ts), so a second serve (or the OpenClaw Gateway's channel) on the
 * same file would answer the same webhook twice. It joins the instances table only when no other
 * live instance is there, in one statement, so two starting at the same moment cannot both get in.
 */
import { INSTANCE_EXPIRY_MS, type InstanceInfo, leaveInstances } from './instances.js';
import type { Store } from './open-store.js';
import { withDbNow } from './statement.js';
import type { InstancesTable } from './tables.js';

const LIVE_OTHER = `SELECT 1 FROM instances o WHERE o.id <> ? AND o.last_seen > {now} - ${INSTANCE_EXPIRY_MS}`;
const JOIN_ALONE = withDbNow(`INSERT INTO instances (id, host, pid, started_at, version, url, public_url, last_seen) SELECT ?, ?, ?, ?, ?, ?, ?, {now} WHERE NOT EXISTS (${LIVE_OTHER})`);
const FIRST_LIVE_OTHER = withDbNow(`SELECT * FROM instances WHERE id <> ? AND last_seen > {now} - ${INSTANCE_EXPIRY_MS} ORDER BY started_at LIMIT 1`);

/**
 * What the joining instance makes of another one's live row: `gone` (its process no longer runs: the
 * row is dropped), `in-the-way` (it runs), or a promise that settles once it may have left (one of this
 * process's own instances on its way out); the row is then looked at again.
 */
export type OtherInstance = 'gone' | 'in-the-way' | Promise<unknown>;

/** Joins as the only instance; answers the live instance in the way instead, if there is one. */
export async function joinAlone(store: Store, info: InstanceInfo, judge: (other: InstancesTable) => OtherInstance): Promise<InstancesTable | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    if ((await store.run(JOIN_ALONE, [info.id, info.host, info.pid, info.started_at, info.version, info.url, info.public_url, info.id])) > 0) return undefined;
    const other = await store.readOne<InstancesTable>(FIRST_LIVE_OTHER, [info.id]);
    if (!other) continue; // it left meanwhile
    const verdict = judge(other);
    if (verdict === 'in-the-way') return other;
    if (verdict === 'gone') await leaveInstances(store, other.id);
    else await verdict;
  }
  throw new Error('joining the store as its one serve failed five times: other instances kept appearing and going');
}
