/** IncomingPhoneNumbers and AvailablePhoneNumbers as the product uses them. */
import { listAll } from './pager.js';
import type { RestClient } from './rest-client.js';

export interface TwilioNumber {
  sid: string;
  phone_number: string;
  friendly_name: string;
  sms_url: string | null;
  /** GET or POST: Twilio calls sms_url with it. */
  sms_method?: string | null;
  voice_url: string | null;
  status_callback: string | null;
  capabilities: { voice?: boolean; sms?: boolean; mms?: boolean; SMS?: boolean; MMS?: boolean };
}

export interface AvailableNumber {
  phone_number: string;
  friendly_name: string;
  locality: string | null;
  region: string | null;
  iso_country: string;
  capabilities: { voice: boolean; SMS: boolean; MMS: boolean };
}

export type NumberType = 'local' | 'tollfree' | 'mobile';
const TYPE_PATH: Record<NumberType, string> = { local: 'Local', tollfree: 'TollFree', mobile: 'Mobile' };

export interface NumberSearch {
  country: string;
  type: NumberType;
  areaCode?: string;
  contains?: string;
  sms?: boolean;
  voice?: boolean;
  mms?: boolean;
  limit: number;
}

export async function searchNumbers(client: RestClient, q: NumberSearch): Promise<AvailableNumber[]> {
  const page = await client.request<{ available_phone_numbers: AvailableNumber[] }>('GET', `AvailablePhoneNumbers/${encodeURIComponent(q.country.toUpperCase())}/${TYPE_PATH[q.type]}.json`, {
    query: { AreaCode: q.areaCode, Contains: q.contains, SmsEnabled: q.sms, VoiceEnabled: q.voice, MmsEnabled: q.mms, PageSize: q.limit },
  });
  return page.available_phone_numbers.slice(0, q.limit);
}

export async function listNumbers(client: RestClient): Promise<TwilioNumber[]> {
  return listAll<TwilioNumber>(client, 'IncomingPhoneNumbers.json', 'incoming_phone_numbers');
}

export function buyNumber(client: RestClient, phoneNumber: string): Promise<TwilioNumber> {
  return client.request<TwilioNumber>('POST', 'IncomingPhoneNumbers.json', { body: { PhoneNumber: phoneNumber } });
}

export interface NumberUrls {
  smsUrl?: string;
  voiceUrl?: string;
  statusCallback?: string;
}

export function configureNumber(client: RestClient, sid: string, urls: NumberUrls): Promise<TwilioNumber> {
  return client.request<TwilioNumber>('POST', `IncomingPhoneNumbers/${encodeURIComponent(sid)}.json`, {
    body: { SmsUrl: urls.smsUrl, VoiceUrl: urls.voiceUrl, StatusCallback: urls.statusCallback },
    // Setting URLs is idempotent: a lost answer can safely be retried.
    retryUnsafe: true,
  });
}

export function releaseNumber(client: RestClient, sid: string): Promise<void> {
  return client.request<void>('DELETE', `IncomingPhoneNumbers/${encodeURIComponent(sid)}.json`);
}

/** A number of the account by E.164 or PN SID. */
export async function findNumber(client: RestClient, ref: string): Promise<TwilioNumber | undefined> {
  const numbers = await listNumbers(client);
  return numbers.find((n) => n.sid === ref || n.phone_number === ref);
}
