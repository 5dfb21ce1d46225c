/** `pairing list | approve | reject | revoke`: who may talk to the agent under the "pairing" policy. */
import { ExitCode, UserError } from '../../errors.js';
import { commandPrefix } from '../../command-prefix.js';
import { toE164 } from '../../messaging/phone.js';
import { approvePairing, rejectPairing } from '../../pairing/pairing.js';
import { listAllowed, listRequests, revoke } from '../../store/pairing.js';
import type { CommandContext } from '../context.js';
import { formatTable } from '../output.js';
import { withStore } from '../with-resources.js';
import { safeForTerminal } from '../../text/terminal-safe.js';

export async function pairingList(ctx: CommandContext): Promise<number> {
  const { pending, allowed } = await withStore(ctx, async (store) => ({ pending: await listRequests(store, new Date()), allowed: await listAllowed(store) }));
  const data = { pending: pending.map((r) => ({ code: r.code, phone: r.phone, createdAt: r.created_at, expiresAt: r.expires_at })), allowed: allowed.map((a) => ({ phone: a.phone, source: a.source, since: a.added_at })) };
  ctx.out.result(data, () =>
    [
      data.pending.length ? formatTable([['CODE', 'FROM', 'EXPIRES'], ...data.pending.map((r) => [r.code, r.phone, r.expiresAt])]) : 'No pairing codes are waiting.',
      data.allowed.length ? `\nAllowed: ${data.allowed.map((a) => safeForTerminal(a.phone, { max: 40 })).join(', ')}` : '',
    ].join(''),
  );
  return 0;
}

export const ADMITTED_TEXT = 'You can now text the agent at this number.';

export async function pairingApprove(ctx: CommandContext, code: string): Promise<number> {
  const phone = await withStore(ctx, (store) => approvePairing(store, code));
  const notified = ctx.opts.notify ? await notifyAdmitted(ctx, phone, code) : undefined;
  ctx.out.result({ code: code.toUpperCase(), phone, status: 'approved', ...(notified ? { notified } : {}) }, () =>
    `Approved: ${safeForTerminal(phone, { max: 40 })} may now talk to the agent.${notified ? ` Told them so (${notified.sid}).` : ''}`,
  );
  return 0;
}

/** `--notify`: one text telling the sender they were admitted, sent at most once per code. */
async function notifyAdmitted(ctx: CommandContext, phone: string, code: string): Promise<{ sid: string }> {
  const { loadSettings } = await import('../../config/settings.js');
  const { openMessagingSession } = await import('../../messaging/session.js');
  const { sendText } = await import('../../messaging/send-text.js');
  const session = await openMessagingSession(await loadSettings(ctx.global), { sandbox: ctx.global.sandbox });
  try {
    const outcome = await sendText({ to: phone, body: ADMITTED_TEXT, media: [], ...session.sender, idempotencyKey: `pairing-notify:${code.toUpperCase()}` }, { ...session.policy, approved: true }, session.depsFor(session.sender));
    return { sid: outcome.kind === 'sent' ? outcome.results[0].sid : '' };
  } catch (err) {
    // The approval stands; say that only the text failed, and how to send it by hand.
    const e = err as Error & { hint?: string };
    throw new UserError(`${phone} is approved, but telling them failed: ${e.message}`, { code: 'notify_failed', exitCode: ExitCode.twilio, hint: e.hint ?? `Text them yourself: ${commandPrefix()} send ${phone} "${ADMITTED_TEXT}"` });
  } finally {
    await session.close();
  }
}


export async function pairingReject(ctx: CommandContext, code: string): Promise<number> {
  const phone = await withStore(ctx, (store) => rejectPairing(store, code));
  ctx.out.result({ code: code.toUpperCase(), phone, status: 'rejected' }, () => `Rejected the code of ${safeForTerminal(phone, { max: 40 })}.`);
  return 0;
}

export async function pairingRevoke(ctx: CommandContext, phoneText: string): Promise<number> {
  const phone = toE164(phoneText);
  const removed = await withStore(ctx, (store) => revoke(store, phone));
  ctx.out.result({ phone, revoked: removed }, () => (removed ? `${phone} may no longer talk to the agent.` : `${phone} was not on the allowlist.`));
  return 0;
}
