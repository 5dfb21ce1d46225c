/**
 * The approval verb: list the texts `outbound.approval` held, approve one (it is sent, exactly once),
 * or reject one (it never is). `approvals approve|reject` and the dashboard's a/r keys both call
 * these, so they answer the same way.
 */
import { UserError } from '../errors.js';
import { type ApprovalRow, decideApproval, getApproval, listApprovals } from '../store/approvals.js';
import type { Store } from '../store/open-store.js';
import type { DeliverDeps, SendResult } from './deliver.js';
import type { Sender } from './rate-limiter.js';
import { sendText, type TextPolicy, type TextRequest } from './send-text.js';
import { commandPrefix } from '../command-prefix.js';

export interface HeldText {
  id: string;
  status: ApprovalRow['status'];
  reason: string;
  createdAt: string;
  request: TextRequest;
  /** Where it was held: approving sends it there (null: held before this was recorded). */
  origin: ApprovalRow['origin'];
}

/** What approving needs to send: a messaging session, or serve's equivalent. */
export interface ApprovalSender {
  store: Store;
  policy: TextPolicy;
  depsFor(sender: Sender): DeliverDeps;
}

/** The held texts, oldest first; only the pending ones unless `all`. */
export async function listHeldTexts(store: Store, opts: { all?: boolean } = {}): Promise<HeldText[]> {
  const rows = await listApprovals(store, opts.all ? undefined : 'pending');
  return rows.map(heldTextOf);
}

const heldTextOf = (a: ApprovalRow): HeldText => ({ id: a.id, status: a.status, reason: a.reason, createdAt: a.created_at, request: JSON.parse(a.request) as TextRequest, origin: a.origin });

/** One held text, or "No approval ID" (exit 2): looked up before anything else, credentials included. */
export async function findHeldText(store: Store, id: string): Promise<HeldText> {
  return heldTextOf(await findApproval(store, id));
}

async function findApproval(store: Store, id: string): Promise<ApprovalRow> {
  const approval = await getApproval(store, id);
  if (!approval) throw new UserError(`No approval ${id}.`, { code: 'approval_not_found', hint: '`' + commandPrefix() + ' approvals list` shows the pending ones.' });
  return approval;
}

/**
 * Approves and sends. Approving again (a retry after a crash, or a second operator) sends nothing new:
 * the held request keeps its idempotency key, so its delivery settles as already sent. Only a text
 * this call or another one moved to approved is sent: when a reject (on another instance, another
 * terminal) wins the race after the read below, nothing is sent and the error says it was rejected.
 */
export async function approveHeldText(sender: ApprovalSender, id: string): Promise<{ id: string; to: string; results: SendResult[] }> {
  const approval = await findApproval(sender.store, id);
  if (approval.status === 'rejected') throw rejectedError(id);
  // Deciding first means a second approve finds it decided; the key keeps it from a second send.
  if (!(await decideApproval(sender.store, id, 'approved')) && (await findApproval(sender.store, id)).status !== 'approved') throw rejectedError(id);
  const request = JSON.parse(approval.request) as TextRequest;
  const outcome = await sendText(request, { ...sender.policy, approved: true }, sender.depsFor(request));
  return { id, to: request.to, results: outcome.kind === 'sent' ? outcome.results : [] };
}

const rejectedError = (id: string) => new UserError(`${id} was rejected; it will not be sent.`, { code: 'approval_rejected' });

/** Rejects a pending text; one already approved or rejected (here or by another process) stays as it was. */
export async function rejectHeldText(store: Store, id: string): Promise<{ id: string; to: string }> {
  const approval = await findApproval(store, id);
  if (!(await decideApproval(store, id, 'rejected'))) {
    const now = await findApproval(store, id);
    throw new UserError(`${id} is already ${now.status}.`, { code: 'approval_decided' });
  }
  return { id, to: (JSON.parse(approval.request) as TextRequest).to };
}
