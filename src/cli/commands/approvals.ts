/** `approvals list | approve | reject`: outbound messages held by `outbound.approval`. */
import { approveHeldText, findHeldText, listHeldTexts, rejectHeldText } from '../../messaging/approvals.js';
import { openMessagingSession } from '../../messaging/session.js';
import { loadSettings } from '../../config/settings.js';
import type { CommandContext } from '../context.js';
import { formatTable } from '../output.js';
import { withStore } from '../with-resources.js';
import { describeResult } from './send.js';

export async function approvalsList(ctx: CommandContext): Promise<number> {
  const rows = await withStore(ctx, (store) => listHeldTexts(store, { all: Boolean(ctx.opts.all) }));
  ctx.out.result({ approvals: rows }, () =>
    rows.length ? formatTable([['ID', 'STATUS', 'TO', 'BODY', 'WHY'], ...rows.map((a) => [a.id, a.status, a.request.to, a.request.body.slice(0, 40), a.reason])]) : 'Nothing is waiting for approval.',
  );
  return 0;
}

export async function approvalsApprove(ctx: CommandContext, id: string): Promise<number> {
  // The approval first: an unknown id is "No approval ID", whatever the credentials; a known one
  // goes where it was held (the sandbox or Twilio) without a flag.
  const held = await withStore(ctx, (store) => findHeldText(store, id));
  const settings = await loadSettings(ctx.global);
  const session = await openMessagingSession(settings, { sandbox: ctx.global.sandbox || held.origin === 'sandbox' });
  try {
    const { results } = await approveHeldText(session, id);
    ctx.out.result({ id, status: 'approved', results }, () => results.map(describeResult).join('\n'));
    return 0;
  } finally {
    await session.close();
  }
}

export async function approvalsReject(ctx: CommandContext, id: string): Promise<number> {
  await withStore(ctx, (store) => rejectHeldText(store, id));
  ctx.out.result({ id, status: 'rejected' }, () => `Rejected ${id}; nothing will be sent.`);
  return 0;
}
