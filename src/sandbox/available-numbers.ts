/**
 * Plausible numbers for AvailablePhoneNumbers searches. US and Canada honour the area code; other
 * countries get numbers libphonenumber-js accepts as valid for that country and type. Fictional
 * 555-01xx exchanges are avoided for US numbers so they look like what Twilio offers.
 */
import { isValidPhoneNumber, parsePhoneNumber, type CountryCode } from 'libphonenumber-js';
import { SandboxApiError } from './http.js';

export type NumberType = 'Local' | 'TollFree' | 'Mobile';

export interface AvailableNumber {
  friendly_name: string;
  phone_number: string;
  lata: string | null;
  locality: string | null;
  rate_center: string | null;
  latitude: number | null;
  longitude: number | null;
  region: string | null;
  postal_code: string | null;
  iso_country: string;
  address_requirements: string;
  beta: boolean;
  capabilities: { voice: boolean; SMS: boolean; MMS: boolean; fax: boolean };
}

// A few area codes with their place, so answers look like Twilio's; others still work, without a place.
const AREA_CODES: Record<string, [string, string, string, number, number]> = {
  '206': ['Seattle', 'WA', '98101', 47.61, -122.33],
  '212': ['New York', 'NY', '10001', 40.75, -73.99],
  '305': ['Miami', 'FL', '33101', 25.77, -80.19],
  '312': ['Chicago', 'IL', '60601', 41.88, -87.63],
  '415': ['San Francisco', 'CA', '94103', 37.77, -122.42],
  '512': ['Austin', 'TX', '78701', 30.27, -97.74],
  '617': ['Boston', 'MA', '02108', 42.36, -71.06],
  '646': ['New York', 'NY', '10001', 40.75, -73.99],
  '702': ['Las Vegas', 'NV', '89101', 36.17, -115.14],
  '720': ['Denver', 'CO', '80202', 39.74, -104.99],
};
const US_TOLL_FREE = ['800', '833', '844', '855', '866', '877', '888'];
const KEYPAD: Record<string, string> = { A: '2', B: '2', C: '2', D: '3', E: '3', F: '3', G: '4', H: '4', I: '4', J: '5', K: '5', L: '5', M: '6', N: '6', O: '6', P: '7', Q: '7', R: '7', S: '7', T: '8', U: '8', V: '8', W: '9', X: '9', Y: '9', Z: '9' };

/** `Contains`: digits, letters (keypad) and `*` for any digit; a pattern of 2+ characters. */
export function containsPattern(contains: string): RegExp {
  const mapped = contains.toUpperCase().replace(/[A-Z]/g, (c) => KEYPAD[c] ?? c);
  if (!/^[0-9*+]{2,}$/.test(mapped)) throw new SandboxApiError(400, 21452, `Contains "${contains}" is not a valid pattern: use digits, letters and *`);
  return new RegExp(mapped.replace(/\+/g, '\\+').replace(/\*/g, '\\d'));
}

const digits = (n: number, random: () => number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');

function candidateUs(type: NumberType, areaCode: string | undefined, random: () => number): string {
  const area = type === 'TollFree' ? (areaCode && US_TOLL_FREE.includes(areaCode) ? areaCode : US_TOLL_FREE[Math.floor(random() * US_TOLL_FREE.length)]) : (areaCode ?? Object.keys(AREA_CODES)[Math.floor(random() * 10)]);
  let exchange = `${2 + Math.floor(random() * 8)}${digits(2, random)}`;
  if (exchange === '555') exchange = '556';
  return `+1${area}${exchange}${digits(4, random)}`;
}

function candidateOther(country: CountryCode, random: () => number): string {
  return `+${callingCodeOf(country)}${digits(9 + Math.floor(random() * 2), random)}`;
}

function callingCodeOf(country: CountryCode): string {
  // Countries the sandbox offers numbers in besides the US and Canada.
  const codes: Record<string, string> = { GB: '44', DE: '49', FR: '33', AU: '61', IE: '353', NL: '31', ES: '34', IT: '39', SE: '46', JP: '81', BR: '55', MX: '52', IN: '91' };
  const code = codes[country];
  if (!code) throw new SandboxApiError(404, 20404, `The sandbox has no numbers for country ${country}`);
  return code;
}

export function searchAvailable(opts: {
  country: string;
  type: NumberType;
  areaCode?: string;
  contains?: string;
  limit: number;
  exclude: Set<string>;
  random?: () => number;
}): AvailableNumber[] {
  const random = opts.random ?? Math.random;
  const country = opts.country.toUpperCase() as CountryCode;
  const northAmerica = country === 'US' || country === 'CA';
  if (opts.areaCode && !/^[2-9]\d\d$/.test(opts.areaCode)) throw new SandboxApiError(400, 21451, `AreaCode ${opts.areaCode} is not a valid area code`);
  const pattern = opts.contains ? containsPattern(opts.contains) : undefined;
  const found = new Map<string, AvailableNumber>();
  for (let tries = 0; found.size < opts.limit && tries < opts.limit * 400; tries++) {
    const candidate = northAmerica ? candidateUs(opts.type, opts.areaCode, random) : candidateOther(country, random);
    if (found.has(candidate) || opts.exclude.has(candidate)) continue;
    if (pattern && !pattern.test(candidate)) continue;
    if (!isValidPhoneNumber(candidate, northAmerica ? 'US' : country)) continue;
    found.set(candidate, describe(candidate, country, opts.type));
  }
  return [...found.values()];
}

function describe(phone: string, country: CountryCode, type: NumberType): AvailableNumber {
  const parsed = parsePhoneNumber(phone);
  const area = country === 'US' || country === 'CA' ? phone.slice(2, 5) : '';
  const place = type === 'Local' ? AREA_CODES[area] : undefined;
  return {
    friendly_name: parsed.formatNational(),
    phone_number: phone,
    lata: place ? String(700 + (Number(area) % 300)) : null,
    locality: place?.[0] || null,
    rate_center: place ? place[0].toUpperCase().replace(/\s+/g, ' ').slice(0, 10) : null,
    latitude: place?.[3] ?? null,
    longitude: place?.[4] ?? null,
    region: place?.[1] || null,
    postal_code: place?.[2] || null,
    iso_country: country,
    address_requirements: 'none',
    beta: false,
    capabilities: { voice: true, SMS: type !== 'TollFree' || country === 'US', MMS: country === 'US' || country === 'CA', fax: false },
  };
}
