/** Outbound actions waiting for an operator (`outbound.approval`). */
import type { Store } from './open-store.js';
import { statement, withDbNow } from './statement.js';
import type { ApprovalsTable } from './tables.js';
import { nodeCrypto } from '../node-crypto.js';

export type ApprovalRow = ApprovalsTable;

const INSERT_PENDING = statement(
  `INSERT INTO approvals (id, key, kind, request, status, reason, created_at, decided_at, origin) VALUES (?, ?, ?, ?, 'pending', ?, ?, NULL, ?)
   ON CONFLICT (key) WHERE status = 'pending' DO NOTHING`,
);
// The pending row, else (decided in the instant between our insert and this read) the newest one.
const CURRENT_FOR_KEY = statement(`SELECT * FROM approvals WHERE key = ? ORDER BY CASE WHEN status = 'pending' THEN 0 ELSE 1 END, created_at DESC LIMIT 1`);

/**
 * The pending approval for this key, or a new one: asking twice queues once, also when several
 * processes ask at the same moment (a unique index on pending keys; the one that loses reads the winner's row).
 */
export async function requestApproval(store: Store, input: { key: string; kind: string; request: unknown; reason: string; origin?: ApprovalRow['origin'] }): Promise<ApprovalRow> {
  const row: ApprovalRow = {
    id: 'ap_' + nodeCrypto().randomBytes(5).toString('hex'),
    key: input.key,
    kind: input.kind,
    request: JSON.stringify(input.request),
    status: 'pending',
    reason: input.reason,
    created_at: new Date().toISOString(),
    decided_at: null,
    origin: input.origin ?? null,
  };
  const inserted = await store.run(INSERT_PENDING, [row.id, row.key, row.kind, row.request, row.reason, row.created_at, row.origin]);
  if (inserted > 0) return row;
  const existing = await store.readOne<ApprovalRow>(CURRENT_FOR_KEY, [input.key]);
  if (!existing) throw new Error(`The approval for ${input.key} was neither inserted nor found.`);
  return existing;
}

export async function getApproval(store: Store, id: string): Promise<ApprovalRow | undefined> {
  return (await store.queryBuilder()).selectFrom('approvals').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listApprovals(store: Store, status?: ApprovalRow['status']): Promise<ApprovalRow[]> {
  let q = (await store.queryBuilder()).selectFrom('approvals').selectAll().orderBy('created_at');
  if (status) q = q.where('status', '=', status);
  return q.execute();
}

const DECIDE = withDbNow(`UPDATE approvals SET status = ?, decided_at = {now_iso} WHERE id = ? AND status = 'pending'`);

/**
 * Moves a pending approval to approved or rejected; false when it was no longer pending (decided
 * before, or by another process in the meantime). The time is the database's, so every instance's
 * decisions feed orders them on one clock.
 */
export async function decideApproval(store: Store, id: string, status: 'approved' | 'rejected'): Promise<boolean> {
  return (await store.run(DECIDE, [status, id])) > 0;
}
