/** IncomingPhoneNumbers (the account's numbers) and AvailablePhoneNumbers (numbers it can buy). */
import { numberKindOf } from '../../twilio/sender-kinds.js';
import { searchAvailable, type AvailableNumber, type NumberType } from '../available-numbers.js';
import type { SandboxContext } from '../context.js';
import { type ApiRequest, notFound, pageOf, publicView, type Router, SandboxApiError } from '../http.js';
import { API_VERSION, newSid, rfc2822 } from '../ids.js';

export interface NumberRecord {
  sid: string;
  account_sid: string;
  phone_number: string;
  friendly_name: string;
  sms_url: string | null;
  sms_method: string;
  sms_fallback_url: string | null;
  sms_fallback_method: string;
  voice_url: string | null;
  voice_method: string;
  voice_fallback_url: string | null;
  voice_fallback_method: string;
  status_callback: string | null;
  status_callback_method: string;
  date_created: string;
  date_updated: string;
  [key: string]: unknown;
}

export function findOwnedNumber(ctx: SandboxContext, phone: string): NumberRecord | undefined {
  return ctx.store.list<NumberRecord>('number').find((n) => n.phone_number === phone);
}

export function createNumberRecord(ctx: SandboxContext, phone: string, friendlyName?: string): NumberRecord {
  const sid = newSid('PN');
  const now = rfc2822(new Date());
  const record: NumberRecord = {
    account_sid: ctx.account.sid,
    address_requirements: 'none',
    address_sid: null,
    api_version: API_VERSION,
    beta: false,
    bundle_sid: null,
    capabilities: { voice: true, sms: true, mms: true, fax: false },
    date_created: now,
    date_updated: now,
    emergency_address_sid: null,
    emergency_address_status: 'unregistered',
    emergency_status: 'Inactive',
    friendly_name: friendlyName ?? phone,
    identity_sid: null,
    origin: 'twilio',
    phone_number: phone,
    sid,
    sms_application_sid: null,
    sms_fallback_method: 'POST',
    sms_fallback_url: null,
    sms_method: 'POST',
    sms_url: null,
    status: 'in-use',
    status_callback: null,
    status_callback_method: 'POST',
    subresource_uris: { assigned_add_ons: `${ctx.accountPath}/IncomingPhoneNumbers/${sid}/AssignedAddOns.json` },
    trunk_sid: null,
    type: numberKindOf(phone) === 'tollfree' ? 'toll-free' : 'local',
    uri: `${ctx.accountPath}/IncomingPhoneNumbers/${sid}.json`,
    voice_application_sid: null,
    voice_caller_id_lookup: false,
    voice_fallback_method: 'POST',
    voice_fallback_url: null,
    voice_method: 'POST',
    voice_receive_mode: 'voice',
    voice_url: null,
  };
  return ctx.store.put('number', record);
}

const UPDATABLE: Record<string, keyof NumberRecord> = {
  FriendlyName: 'friendly_name',
  SmsUrl: 'sms_url',
  SmsMethod: 'sms_method',
  SmsFallbackUrl: 'sms_fallback_url',
  SmsFallbackMethod: 'sms_fallback_method',
  VoiceUrl: 'voice_url',
  VoiceMethod: 'voice_method',
  VoiceFallbackUrl: 'voice_fallback_url',
  VoiceFallbackMethod: 'voice_fallback_method',
  StatusCallback: 'status_callback',
  StatusCallbackMethod: 'status_callback_method',
};

function numberOr404(ctx: SandboxContext, req: ApiRequest): NumberRecord {
  const n = ctx.store.get<NumberRecord>('number', req.params.Sid);
  if (!n) throw notFound(req.path);
  return n;
}

export function registerNumbers(router: Router, ctx: SandboxContext): void {
  const base = '/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers';
  router.on('GET', `${base}.json`, (req) => {
    const phone = req.query.get('PhoneNumber');
    const name = req.query.get('FriendlyName');
    const items = ctx.store
      .list<NumberRecord>('number')
      .filter((n) => (!phone || n.phone_number.includes(phone)) && (!name || n.friendly_name === name))
      .map(publicView);
    return pageOf(req, items, 'incoming_phone_numbers');
  });
  router.on('POST', `${base}.json`, (req) => {
    let phone = req.form.get('PhoneNumber');
    const areaCode = req.form.get('AreaCode');
    if (!phone && areaCode) {
      const offer = searchAvailable({ country: 'US', type: 'Local', areaCode, limit: 1, exclude: ownedSet(ctx) })[0];
      if (!offer) throw new SandboxApiError(400, 21452, `No phone numbers found in area code ${areaCode}`);
      phone = offer.phone_number;
    } else if (!phone) {
      throw new SandboxApiError(400, 21421, 'PhoneNumber or AreaCode is required');
    } else if (!ctx.store.get('offered', phone)) {
      throw new SandboxApiError(400, 21422, `PhoneNumber ${phone} is not available: search AvailablePhoneNumbers first`);
    }
    if (findOwnedNumber(ctx, phone)) throw new SandboxApiError(400, 21422, `PhoneNumber ${phone} is not available`);
    ctx.store.delete('offered', phone);
    const record = createNumberRecord(ctx, phone, req.form.get('FriendlyName') ?? undefined);
    applyUpdates(ctx, record, req.form);
    return { status: 201, json: publicView(record) };
  });
  router.on('GET', `${base}/:Sid.json`, (req) => ({ status: 200, json: publicView(numberOr404(ctx, req)) }));
  router.on('POST', `${base}/:Sid.json`, (req) => {
    const record = numberOr404(ctx, req);
    applyUpdates(ctx, record, req.form);
    return { status: 200, json: publicView(record) };
  });
  router.on('DELETE', `${base}/:Sid.json`, (req) => {
    numberOr404(ctx, req);
    ctx.store.delete('number', req.params.Sid);
    return { status: 204 };
  });

  router.on('GET', '/2010-04-01/Accounts/:AccountSid/AvailablePhoneNumbers/:Country/:Type.json', (req) => {
    const type = req.params.Type as NumberType;
    if (!['Local', 'TollFree', 'Mobile'].includes(type)) throw notFound(req.path);
    const wants = (key: string) => req.query.get(key) !== 'false';
    const found = searchAvailable({
      country: req.params.Country,
      type,
      areaCode: req.query.get('AreaCode') ?? undefined,
      contains: req.query.get('Contains') ?? undefined,
      limit: Math.min(50, Number(req.query.get('PageSize') ?? 20) || 20),
      exclude: ownedSet(ctx),
    }).filter((n: AvailableNumber) => (!req.query.has('SmsEnabled') || !wants('SmsEnabled') || n.capabilities.SMS) && (!req.query.has('MmsEnabled') || !wants('MmsEnabled') || n.capabilities.MMS));
    for (const n of found) ctx.store.put('offered', { sid: n.phone_number });
    return { status: 200, json: { available_phone_numbers: found, end: Math.max(0, found.length - 1), first_page_uri: req.path, next_page_uri: null, page: 0, page_size: found.length, previous_page_uri: null, start: 0, uri: req.path } };
  });
}

function ownedSet(ctx: SandboxContext): Set<string> {
  return new Set(ctx.store.list<NumberRecord>('number').map((n) => n.phone_number));
}

function applyUpdates(ctx: SandboxContext, record: NumberRecord, form: URLSearchParams): void {
  let changed = false;
  for (const [param, field] of Object.entries(UPDATABLE)) {
    if (!form.has(param)) continue;
    const value = form.get(param)!;
    if (/Url$|StatusCallback$/.test(param) && value !== '' && !/^https?:\/\//.test(value)) {
      throw new SandboxApiError(400, 21502, `${param} is not a valid URL: ${value}`);
    }
    (record as Record<string, unknown>)[field] = value === '' && /Url$|StatusCallback$/.test(param) ? null : value;
    changed = true;
  }
  if (changed) {
    record.date_updated = rfc2822(new Date());
    ctx.store.put('number', record);
  }
}
