/**
 * The late replies going out now (migration 025). A reply sent through the REST API part by part
 * (server/late-reply.ts) is written here before its first part and removed after its last (sent,
 * refused or reported failed). A row whose serve instance died (no heartbeat for INSTANCE_EXPIRY_MS)
 * is a reply cut off mid-way: the sweep takes each such row once, across every instance on the store,
 * to be reported with how many parts went.
 */
import type { Store } from './open-store.js';
import { instanceAlive } from './instances.js';
import { statement, withDbNow } from './statement.js';

export interface ReplyPlan {
  messageSid: string;
  to: string;
  from: string;
  parts: number;
}

export interface OrphanedReply extends ReplyPlan {
  startedAt: string;
  /** Parts handed to Twilio before the instance died. */
  sent: number;
}

const BEGIN = withDbNow(
  'INSERT INTO reply_plans (message_sid, to_number, from_number, parts, owner, started_at) VALUES (?, ?, ?, ?, ?, {now_iso}) ON CONFLICT (message_sid) DO UPDATE SET parts = excluded.parts, owner = excluded.owner',
);
const END = statement('DELETE FROM reply_plans WHERE message_sid = ? AND owner = ?');
// DELETE ... RETURNING: of two instances sweeping at once, each row goes to one.
const TAKE_ORPHANED = withDbNow(`DELETE FROM reply_plans WHERE NOT ${instanceAlive('reply_plans.owner')} RETURNING message_sid, to_number, from_number, parts, started_at`);
const PARTS_SENT = statement("SELECT COUNT(*) AS n FROM idempotency_keys WHERE request_key = ? AND state = 'settled'");

export async function beginReplyPlan(store: Store, plan: ReplyPlan, owner: string): Promise<void> {
  await store.run(BEGIN, [plan.messageSid, plan.to, plan.from, plan.parts, owner]);
}

export async function endReplyPlan(store: Store, messageSid: string, owner: string): Promise<void> {
  await store.run(END, [messageSid, owner]);
}

/** The replies whose instance died mid-way, each taken (removed) once; `requestKeyOf` names their parts' request key. */
export async function takeOrphanedReplies(store: Store, requestKeyOf: (messageSid: string) => string): Promise<OrphanedReply[]> {
  const rows = await store.readMany<{ message_sid: string; to_number: string; from_number: string; parts: number | string; started_at: string }>(TAKE_ORPHANED, []);
  const orphaned: OrphanedReply[] = [];
  for (const r of rows) {
    const sent = await store.readOne<{ n: number | string }>(PARTS_SENT, [requestKeyOf(r.message_sid)]);
    orphaned.push({ messageSid: r.message_sid, to: r.to_number, from: r.from_number, parts: Number(r.parts), startedAt: r.started_at, sent: Number(sent?.n ?? 0) });
  }
  return orphaned;
}
