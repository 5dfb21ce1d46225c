/** Outbound actions waiting for an operator (`outbound.approval`). */
import { randomBytes } from 'node:crypto';
import type { Store } from './open-store.js';
import type { ApprovalsTable } from './tables.js';

export type ApprovalRow = ApprovalsTable;

/** The pending approval for this key, or a new one: asking twice queues once. */
export async function requestApproval(store: Store, input: { key: string; kind: string; request: unknown; reason: string; origin?: ApprovalRow['origin'] }): Promise<ApprovalRow> {
  const existing = await (await store.queryBuilder()).selectFrom('approvals').selectAll().where('key', '=', input.key).where('status', '=', 'pending').executeTakeFirst();
  if (existing) return existing;
  const row: ApprovalRow = {
    id: 'ap_' + randomBytes(5).toString('hex'),
    key: input.key,
    kind: input.kind,
    request: JSON.stringify(input.request),
    status: 'pending',
    reason: input.reason,
    created_at: new Date().toISOString(),
    decided_at: null,
    origin: input.origin ?? null,
  };
  await (await store.queryBuilder()).insertInto('approvals').values(row).execute();
  return row;
}

export async function getApproval(store: Store, id: string): Promise<ApprovalRow | undefined> {
  return (await store.queryBuilder()).selectFrom('approvals').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listApprovals(store: Store, status?: ApprovalRow['status']): Promise<ApprovalRow[]> {
  let q = (await store.queryBuilder()).selectFrom('approvals').selectAll().orderBy('created_at');
  if (status) q = q.where('status', '=', status);
  return q.execute();
}

/** Moves a pending approval to approved or rejected; false when it was no longer pending. */
export async function decideApproval(store: Store, id: string, status: 'approved' | 'rejected'): Promise<boolean> {
  const res = await (await store.queryBuilder()).updateTable('approvals').set({ status, decided_at: new Date().toISOString() }).where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}
