/** `numbers search | buy | list | configure | release`: the account's phone numbers. */
import { TwilioApiError, UserError } from '../../errors.js';
import { isCountryCode, toE164 } from '../../messaging/phone.js';
import { buyNumber, configureNumber, findNumber, listNumbers, type NumberType, releaseNumber, searchNumbers, type TwilioNumber } from '../../twilio/numbers-api.js';
import type { RestClient } from '../../twilio/rest-client.js';
import { refuseUnreachableWebhookUrl } from '../../twilio/webhook-url-guard.js';
import type { CommandContext } from '../context.js';
import { formatTable } from '../output.js';
import { confirm } from '../prompt.js';
import { withTwilioClient } from '../with-resources.js';
import { hintCommand } from '../../command-prefix.js';

/** What buying and releasing need confirmed, and why. */
const CONFIRMATIONS = {
  buy: { done: 'bought', why: 'Twilio charges a monthly fee for it' },
  release: { done: 'released', why: 'releasing cannot be undone: the number goes back to Twilio and may be gone for good' },
} as const;

/** Buying costs money and releasing is irreversible: ask on a terminal, demand --yes elsewhere. */
async function confirmAction(ctx: CommandContext, action: keyof typeof CONFIRMATIONS, number: string): Promise<void> {
  if (ctx.opts.yes) return;
  const { done, why } = CONFIRMATIONS[action];
  if (process.stdin.isTTY && !ctx.out.json) {
    if (await confirm(`${action[0].toUpperCase()}${action.slice(1)} ${number}? ${why[0].toUpperCase()}${why.slice(1)}.`)) return;
    throw new UserError(`Nothing was ${done}.`, { code: 'not_confirmed', hint: 'Answer y to go ahead.' });
  }
  throw new UserError(`Refused to ${action} ${number} without confirmation: ${why}.`, { code: 'confirmation_required', hint: `Pass --yes to confirm: \`${hintCommand(`numbers ${action} ${number} --yes`)}\`.` });
}

const numberRow = (n: TwilioNumber) => [n.phone_number, n.sid, n.friendly_name, n.sms_url ?? '-', n.voice_url ?? '-'];

export async function numbersSearch(ctx: CommandContext): Promise<number> {
  const o = ctx.opts as { country?: string; type?: NumberType; areaCode?: string; contains?: string; sms?: boolean; voice?: boolean; mms?: boolean; limit?: string };
  const limit = Number(o.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 50) throw new UserError(`--limit ${o.limit} is not from 1 to 50`, { code: 'invalid_limit', hint: 'Give how many numbers to show, from 1 to 50, e.g. --limit 10 (default 20).' });
  const country = (o.country ?? 'US').toUpperCase();
  if (!isCountryCode(country)) throw new UserError(`--country ${o.country} is not a country code.`, { code: 'invalid_country', hint: 'Give a two-letter ISO 3166 code, for example --country US, CA or GB.' });
  if (o.areaCode && !/^\d{3}$/.test(o.areaCode)) throw new UserError(`--area-code ${o.areaCode} is not an area code`, { code: 'invalid_area_code', hint: 'Three digits, e.g. 415.' });
  const type = o.type ?? 'local';
  const found = await withTwilioClient(ctx, (client) => searchNumbers(client, { country, type, areaCode: o.areaCode, contains: o.contains, sms: o.sms, voice: o.voice, mms: o.mms, limit })).catch((err: unknown) => {
    // Twilio answers 20404 for a country (or a type in it) it sells no numbers in.
    if (err instanceof TwilioApiError && err.twilioCode === 20404) {
      throw new UserError(`No ${type} numbers are offered in ${country}.`, { code: 'no_numbers_offered', hint: 'Try another --type (local, tollfree, mobile) or --country: Twilio sells numbers in some countries only.' });
    }
    throw err;
  });
  ctx.out.result({ numbers: found }, () =>
    found.length
      ? formatTable([['NUMBER', 'PLACE', 'SMS', 'MMS', 'VOICE'], ...found.map((n) => [n.phone_number, [n.locality, n.region].filter(Boolean).join(', ') || '-', n.capabilities.SMS ? 'yes' : 'no', n.capabilities.MMS ? 'yes' : 'no', n.capabilities.voice ? 'yes' : 'no'])])
      : 'No numbers match; try without --contains or another area code.',
  );
  return 0;
}

export async function numbersBuy(ctx: CommandContext, phone: string): Promise<number> {
  const e164 = toE164(phone, undefined, 'Number', { national: 'none' });
  await confirmAction(ctx, 'buy', e164);
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
  const key = /^PN[0-9a-fA-F]{32}$/.test(ref) ? ref : toE164(ref, undefined, 'Number', { national: 'none' });
  const n = await findNumber(client, key);
  if (!n) throw new UserError(`${ref} is not one of this account's numbers.`, { code: 'number_not_found', hint: '`' + hintCommand('numbers list') + '` shows them.' });
  return n;
}

export async function numbersConfigure(ctx: CommandContext, ref: string): Promise<number> {
  const o = ctx.opts as { smsUrl?: string; voiceUrl?: string; statusCallback?: string; toServe?: boolean };
  const updated = await withTwilioClient(ctx, async (client, settings) => {
    const urls = { smsUrl: o.smsUrl, voiceUrl: o.voiceUrl, statusCallback: o.statusCallback };
    const sandbox = Boolean(ctx.global.sandbox || settings.resolution.config.twilio.apiBaseUrl);
    if (o.toServe) {
      const { publicUrl, serve } = settings.resolution.config;
      if (!publicUrl) throw new UserError('--to-serve needs the public URL of `serve`.', { code: 'no_public_url', hint: 'Set publicUrl in the configuration (or OPENCLAW_TELEPHONY_PUBLIC_URL).' });
      const base = publicUrl.replace(/\/+$/, '');
      // voice.enabled false: calls are not serve's, so VoiceUrl stays as it is (or as --voice-url says).
      Object.assign(urls, { smsUrl: base + serve.path, voiceUrl: settings.resolution.config.voice.enabled ? base + serve.voicePath : o.voiceUrl, statusCallback: base + serve.statusPath });
    }
    for (const [flag, url] of Object.entries({ '--sms-url': urls.smsUrl, '--voice-url': urls.voiceUrl, '--status-callback': urls.statusCallback })) {
      if (url !== undefined && url !== '' && !/^https?:\/\/\S+$/.test(url)) throw new UserError(`${flag} ${url} is not a URL`, { code: 'invalid_url', hint: 'Give an http(s) URL, or "" to clear it.' });
      // The sandbox runs next to serve; Twilio itself cannot reach a local address.
      if (url && !sandbox) refuseUnreachableWebhookUrl(url, flag);
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
    await confirmAction(ctx, 'release', n.phone_number);
    await releaseNumber(client, n.sid);
    return n;
  });
  ctx.out.result({ released: true, phoneNumber: released.phone_number, sid: released.sid }, () => `Released ${released.phone_number}.`);
  return 0;
}
