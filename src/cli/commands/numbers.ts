/** `numbers search | buy | list | configure | release`: the account's phone numbers. */
import { UserError } from '../../errors.js';
import { toE164 } from '../../messaging/phone.js';
import { buyNumber, configureNumber, findNumber, listNumbers, type NumberType, releaseNumber, searchNumbers, type TwilioNumber } from '../../twilio/numbers-api.js';
import type { RestClient } from '../../twilio/rest-client.js';
import type { CommandContext } from '../context.js';
import { formatTable } from '../output.js';
import { confirm } from '../prompt.js';
import { withTwilioClient } from '../with-resources.js';

/** Buying and releasing cost money: ask on a terminal, demand --yes elsewhere. */
async function confirmCost(ctx: CommandContext, question: string, action: string): Promise<void> {
  if (ctx.opts.yes) return;
  if (process.stdin.isTTY && !ctx.out.json) {
    if (await confirm(question)) return;
    throw new UserError(`Nothing was ${action}.`, { code: 'not_confirmed', hint: 'Answer y to go ahead.' });
  }
  throw new UserError(`Refused to ${action.replace(/d$/, '')} without confirmation: this costs money.`, { code: 'confirmation_required', hint: 'Pass --yes to confirm from a script.' });
}

const numberRow = (n: TwilioNumber) => [n.phone_number, n.sid, n.friendly_name, n.sms_url ?? '-', n.voice_url ?? '-'];

export async function numbersSearch(ctx: CommandContext): Promise<number> {
  const o = ctx.opts as { country?: string; type?: NumberType; areaCode?: string; contains?: string; sms?: boolean; voice?: boolean; mms?: boolean; limit?: string };
  const limit = Number(o.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 50) throw new UserError(`--limit ${o.limit} is not from 1 to 50`, { code: 'invalid_limit' });
  if (o.areaCode && !/^\d{3}$/.test(o.areaCode)) throw new UserError(`--area-code ${o.areaCode} is not an area code`, { code: 'invalid_area_code', hint: 'Three digits, e.g. 415.' });
  const found = await withTwilioClient(ctx, (client) => searchNumbers(client, { country: o.country ?? 'US', type: o.type ?? 'local', areaCode: o.areaCode, contains: o.contains, sms: o.sms, voice: o.voice, mms: o.mms, limit }));
  ctx.out.result({ numbers: found }, () =>
    found.length
      ? formatTable([['NUMBER', 'PLACE', 'SMS', 'MMS', 'VOICE'], ...found.map((n) => [n.phone_number, [n.locality, n.region].filter(Boolean).join(', ') || '-', n.capabilities.SMS ? 'yes' : 'no', n.capabilities.MMS ? 'yes' : 'no', n.capabilities.voice ? 'yes' : 'no'])])
      : 'No numbers match; try without --contains or another area code.',
  );
  return 0;
}

export async function numbersBuy(ctx: CommandContext, phone: string): Promise<number> {
  const e164 = toE164(phone, undefined, 'Number');
  await confirmCost(ctx, `Buy ${e164}? Twilio charges a monthly fee for it.`, 'bought');
  const bought = await withTwilioClient(ctx, (client) => buyNumber(client, e164));
  ctx.out.result(bought, () => `Bought ${bought.phone_number} (${bought.sid}).`);
  return 0;
}

export async function numbersList(ctx: CommandContext): Promise<number> {
  const numbers = await withTwilioClient(ctx, (client) => listNumbers(client));
  ctx.out.result({ numbers }, () => (numbers.length ? formatTable([['NUMBER', 'SID', 'NAME', 'SMS URL', 'VOICE URL'], ...numbers.map(numberRow)]) : 'This account has no numbers.'));
  return 0;
}

async function numberOrFail(client: RestClient, ref: string): Promise<TwilioNumber> {
  const key = /^PN[0-9a-fA-F]{32}$/.test(ref) ? ref : toE164(ref, undefined, 'Number');
  const n = await findNumber(client, key);
  if (!n) throw new UserError(`${ref} is not one of this account's numbers.`, { code: 'number_not_found', hint: '`openclaw telephony numbers list` shows them.' });
  return n;
}

export async function numbersConfigure(ctx: CommandContext, ref: string): Promise<number> {
  const o = ctx.opts as { smsUrl?: string; voiceUrl?: string; statusCallback?: string; toServe?: boolean };
  const updated = await withTwilioClient(ctx, async (client, settings) => {
    const urls = { smsUrl: o.smsUrl, voiceUrl: o.voiceUrl, statusCallback: o.statusCallback };
    if (o.toServe) {
      const { publicUrl, serve } = settings.resolution.config;
      if (!publicUrl) throw new UserError('--to-serve needs the public URL of `serve`.', { code: 'no_public_url', hint: 'Set publicUrl in the configuration (or OPENCLAW_TELEPHONY_PUBLIC_URL).' });
      const base = publicUrl.replace(/\/+$/, '');
      Object.assign(urls, { smsUrl: base + serve.path, voiceUrl: base + serve.voicePath, statusCallback: base + serve.statusPath });
    }
    for (const [flag, url] of Object.entries({ '--sms-url': urls.smsUrl, '--voice-url': urls.voiceUrl, '--status-callback': urls.statusCallback })) {
      if (url !== undefined && url !== '' && !/^https?:\/\/\S+$/.test(url)) throw new UserError(`${flag} ${url} is not a URL`, { code: 'invalid_url', hint: 'Give an http(s) URL, or "" to clear it.' });
    }
    if (Object.values(urls).every((u) => u === undefined)) throw new UserError('Nothing to configure.', { code: 'usage', hint: 'Give --sms-url, --voice-url, --status-callback or --to-serve.' });
    const n = await numberOrFail(client, ref);
    return configureNumber(client, n.sid, urls);
  });
  ctx.out.result(updated, () => `${updated.phone_number}: SMS ${updated.sms_url ?? '-'}, voice ${updated.voice_url ?? '-'}, status ${updated.status_callback ?? '-'}`);
  return 0;
}

export async function numbersRelease(ctx: CommandContext, ref: string): Promise<number> {
  const released = await withTwilioClient(ctx, async (client) => {
    const n = await numberOrFail(client, ref);
    await confirmCost(ctx, `Release ${n.phone_number}? It goes back to Twilio and may be gone for good.`, 'released');
    await releaseNumber(client, n.sid);
    return n;
  });
  ctx.out.result({ released: true, phoneNumber: released.phone_number, sid: released.sid }, () => `Released ${released.phone_number}.`);
  return 0;
}
