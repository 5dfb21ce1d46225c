/** `messages list | get`: read messages from the API (Twilio or the sandbox). */
import { twilioHint, UserError } from '../../errors.js';
import { toE164 } from '../../messaging/phone.js';
import { fetchMessage, listMessages, type TwilioMessage } from '../../twilio/messages-api.js';
import type { CommandContext } from '../context.js';
import { formatTable } from '../output.js';
import { withTwilioClient } from '../with-resources.js';

function sinceDay(text: string): string {
  const relative = /^(\d+)([dh])$/.exec(text);
  const date = relative ? new Date(Date.now() - Number(relative[1]) * (relative[2] === 'd' ? 86_400_000 : 3_600_000)) : new Date(text);
  if (Number.isNaN(date.getTime())) throw new UserError(`--since ${text} is not a date`, { code: 'invalid_since', hint: 'Use YYYY-MM-DD, an ISO time, or 7d / 12h.' });
  return date.toISOString().slice(0, 10);
}

const row = (m: TwilioMessage) => [m.sid, m.date_sent ?? m.date_created, m.direction, m.from ?? '-', m.to, m.status, m.error_code ? String(m.error_code) : '-', m.body.length > 40 ? m.body.slice(0, 39) + '…' : m.body];

/** One "fix" line per error code in the list: what to do about it. */
function hintLines(messages: TwilioMessage[]): string[] {
  const codes = [...new Set(messages.map((m) => m.error_code).filter((c): c is number => Boolean(c)))];
  return codes.flatMap((code) => {
    const hint = twilioHint(code);
    return hint ? [`error ${code}: ${hint}`] : [];
  });
}

export async function messagesList(ctx: CommandContext): Promise<number> {
  const o = ctx.opts as { to?: string; from?: string; since?: string; limit?: string };
  const limit = Number(o.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 1) throw new UserError(`--limit ${o.limit} is not a positive whole number`, { code: 'invalid_limit' });
  const messages = await withTwilioClient(ctx, (client, settings) => {
    const country = settings.resolution.config.sms.defaultCountry;
    return listMessages(client, { to: o.to && toE164(o.to, country, 'To number'), from: o.from && toE164(o.from, country, 'From number'), sentAfter: o.since && sinceDay(o.since), limit });
  });
  const withHints = messages.map((m) => ({ ...m, error_hint: twilioHint(m.error_code) ?? null }));
  ctx.out.result({ messages: withHints }, () =>
    messages.length ? [formatTable([['SID', 'SENT', 'DIRECTION', 'FROM', 'TO', 'STATUS', 'ERROR', 'BODY'], ...messages.map(row)]), ...hintLines(messages)].join('\n') : 'No messages.',
  );
  return 0;
}

export async function messagesGet(ctx: CommandContext, sid: string): Promise<number> {
  if (!/^(SM|MM)[0-9a-fA-F]{32}$/.test(sid)) throw new UserError(`"${sid}" is not a message SID`, { code: 'invalid_sid', hint: 'Message SIDs are SM or MM followed by 32 hex characters.' });
  const fetched = await withTwilioClient(ctx, (client) => fetchMessage(client, sid));
  const m = { ...fetched, error_hint: twilioHint(fetched.error_code) ?? null };
  ctx.out.result(m, () => formatTable(Object.entries(m).filter(([, v]) => typeof v !== 'object' || v === null).map(([k, v]) => [k, String(v ?? '-')])));
  return 0;
}
