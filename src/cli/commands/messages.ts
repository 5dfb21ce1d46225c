/** `messages list | get`: read messages from the API (Twilio or the sandbox). */
import { existsSync } from 'node:fs';
import type { Settings } from '../../config/settings.js';
import { twilioHint, UserError } from '../../errors.js';
import { toE164 } from '../../messaging/phone.js';
import { refusalsFor } from '../../store/message-log.js';
import { describeStoreUrl, openStore } from '../../store/open-store.js';
import { safeForTerminal } from '../../text/terminal-safe.js';
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

type ListedMessage = TwilioMessage & { refused_reason: string | null };

const row = (m: ListedMessage) => [m.sid, m.date_sent ?? m.date_created, m.direction, m.from ?? '-', m.to, m.refused_reason ? 'refused' : m.status, m.error_code ? String(m.error_code) : '-', m.body.length > 40 ? m.body.slice(0, 39) + '…' : m.body];

/**
 * Twilio knows a text arrived, only serve's store knows it refused it (another number, an inbound
 * limit): the reasons are read from the store when there is one (a machine that only sends has none,
 * and none is created for this).
 */
async function refusalsOf(ctx: CommandContext, settings: Settings, messages: TwilioMessage[]): Promise<Map<string, string>> {
  const inbound = messages.filter((m) => m.direction === 'inbound').map((m) => m.sid);
  const url = settings.resolution.config.store.url;
  const { dialect, location } = describeStoreUrl(url);
  if (!inbound.length || (dialect === 'sqlite' && !existsSync(location))) return new Map();
  try {
    const store = await openStore(url);
    try {
      return await refusalsFor(store, inbound);
    } finally {
      await store.close();
    }
  } catch (err) {
    // Twilio's list is still worth showing; the operator learns why the refusals are missing.
    ctx.out.warn(`the store could not be read, so refused texts are not marked: ${(err as Error).message}`);
    return new Map();
  }
}

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
  if (!Number.isInteger(limit) || limit < 1) throw new UserError(`--limit ${o.limit} is not a positive whole number`, { code: 'invalid_limit', hint: 'Give how many messages to list, e.g. --limit 50 (default 20).' });
  const messages = await withTwilioClient(ctx, async (client, settings) => {
    const country = settings.resolution.config.sms.defaultCountry;
    const listed = await listMessages(client, { to: o.to && toE164(o.to, country, 'To number'), from: o.from && toE164(o.from, country, 'From number'), sentAfter: o.since && sinceDay(o.since), limit });
    const refused = await refusalsOf(ctx, settings, listed);
    return listed.map((m) => ({ ...m, refused_reason: refused.get(m.sid) ?? null }));
  });
  const withHints = messages.map((m) => ({ ...m, error_hint: twilioHint(m.error_code) ?? null }));
  const refusalLines = messages.filter((m) => m.refused_reason).map((m) => safeForTerminal(`${m.sid} refused by serve: ${m.refused_reason}`));
  ctx.out.result({ messages: withHints }, () =>
    messages.length ? [formatTable([['SID', 'SENT', 'DIRECTION', 'FROM', 'TO', 'STATUS', 'ERROR', 'BODY'], ...messages.map(row)]), ...hintLines(messages), ...refusalLines].join('\n') : 'No messages.',
  );
  return 0;
}

export async function messagesGet(ctx: CommandContext, sid: string): Promise<number> {
  if (!/^(SM|MM)[0-9a-fA-F]{32}$/.test(sid)) throw new UserError(`"${sid}" is not a message SID`, { code: 'invalid_sid', hint: 'Message SIDs are SM or MM followed by 32 hex characters.' });
  const fetched = await withTwilioClient(ctx, async (client, settings) => {
    const message = await fetchMessage(client, sid);
    return { ...message, refused_reason: (await refusalsOf(ctx, settings, [message])).get(message.sid) ?? null };
  });
  const m = { ...fetched, error_hint: twilioHint(fetched.error_code) ?? null };
  ctx.out.result(m, () => formatTable(Object.entries(m).filter(([, v]) => typeof v !== 'object' || v === null).map(([k, v]) => [k, String(v ?? '-')])));
  return 0;
}
