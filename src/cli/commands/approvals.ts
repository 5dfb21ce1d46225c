/** `approvals list | approve | reject`: outbound messages held by `outbound.approval`. */
import { UserError } from '../../errors.js';
import { openMessagingSession } from '../../messaging/session.js';
import { sendText, type TextRequest } from '../../messaging/send-text.js';
import { decideApproval, getApproval, listApprovals } from '../../store/approvals.js';
import type { CommandContext } from '../context.js';
import { formatTable } from '../output.js';
import { loadSettings } from '../../config/settings.js';
import { withStore } from '../with-resources.js';
import { describeResult } from './send.js';

export async function approvalsList(ctx: CommandContext): Promise<number> {
  const status = (ctx.opts.all ? undefined : 'pending') as 'pending' | undefined;
  const rows = await withStore(ctx, async (store) =>
    (await listApprovals(store, status)).map((a) => ({ id: a.id, status: a.status, reason: a.reason, createdAt: a.created_at, request: JSON.parse(a.request) as TextRequest })),
  );
  ctx.out.result({ approvals: rows }, () =>
    rows.length ? formatTable([['ID', 'STATUS', 'TO', 'BODY', 'WHY'], ...rows.map((a) => [a.id, a.status, a.request.to, a.request.body.slice(0, 40), a.reason])]) : 'Nothing is waiting for approval.',
  );
  return 0;
}

export async function approvalsApprove(ctx: CommandContext, id: string): Promise<number> {
  const settings = await loadSettings(ctx.global);
  const session = await openMessagingSession(settings, { sandbox: ctx.global.sandbox });
  try {
    const approval = await getApproval(session.store, id);
    if (!approval) throw new UserError(`No approval ${id}.`, { code: 'approval_not_found', hint: '`openclaw telephony approvals list` shows the pending ones.' });
    if (approval.status === 'rejected') throw new UserError(`${id} was rejected; it will not be sent.`, { code: 'approval_rejected' });
    // Deciding first means a second `approve` cannot start a second send; the idempotency key makes
    // a retried approve (after a crash) settle instead of sending again.
    await decideApproval(session.store, id, 'approved');
    const request = JSON.parse(approval.request) as TextRequest;
    const outcome = await sendText(request, { ...session.policy, approved: true }, session.depsFor(request));
    const results = outcome.kind === 'sent' ? outcome.results : [];
    ctx.out.result({ id, status: 'approved', results }, () => results.map(describeResult).join('\n'));
    return 0;
  } finally {
    await session.close();
  }
}

export async function approvalsReject(ctx: CommandContext, id: string): Promise<number> {
  await withStore(ctx, async (store) => {
    const approval = await getApproval(store, id);
    if (!approval) throw new UserError(`No approval ${id}.`, { code: 'approval_not_found', hint: '`openclaw telephony approvals list` shows the pending ones.' });
    if (!(await decideApproval(store, id, 'rejected'))) throw new UserError(`${id} is already ${approval.status}.`, { code: 'approval_decided' });
  });
  ctx.out.result({ id, status: 'rejected' }, () => `Rejected ${id}; nothing will be sent.`);
  return 0;
}
