/** Phone numbers in, E.164 out, with libphonenumber-js; a bad number is refused before any request. */
import { type CountryCode, getCountries, parsePhoneNumberWithError, ParseError } from 'libphonenumber-js';
import { UserError } from '../errors.js';
import { commandPrefix } from '../command-prefix.js';

const REASONS: Record<string, string> = {
  INVALID_COUNTRY: 'it has no country code',
  NOT_A_NUMBER: 'it is not a phone number',
  TOO_SHORT: 'it is too short',
  TOO_LONG: 'it is too long',
  INVALID_LENGTH: 'it has the wrong length',
};

export function isCountryCode(text: string): boolean {
  return getCountries().includes(text.toUpperCase() as CountryCode);
}

/** How a command lets a national number be read: --default-country, only sms.defaultCountry, or not at all. */
export type NationalNumbers = 'flag' | 'config' | 'none';

const NATIONAL_HINTS: Record<NationalNumbers, string> = {
  flag: 'Write it in E.164 form, for example +15550005678, or give --default-country (or sms.defaultCountry) for national numbers.',
  config: 'Write it in E.164 form with the country code, for example +15550005678 (or set sms.defaultCountry, e.g. `' + commandPrefix() + ' config set sms.defaultCountry US`, for national numbers).',
  none: 'Write it in E.164 form with the country code, for example +15550005678.',
};

/**
 * `+1 (555) 000-5678` -> `+15550005678`. Short codes (5-6 digits) pass as they are. `national` says
 * what the command offers for national numbers, so the hint names only a fix that works there.
 */
export function toE164(input: string, defaultCountry?: string, what = 'number', opts: { national?: NationalNumbers } = {}): string {
  const text = withoutTelScheme(input.trim());
  if (/^\d{5,6}$/.test(text)) return text;
  const extra = extraText(text);
  if (extra) throw new UserError(`${what} "${input}" is not a valid phone number: ${extra}`, { code: 'invalid_number', hint: 'Give the number alone, for example +15550005678 (spaces, dashes, dots and parentheses are fine).' });
  const country = defaultCountry?.toUpperCase();
  if (country && !isCountryCode(country)) {
    throw new UserError(`"${defaultCountry}" is not a country code`, { code: 'invalid_country', hint: 'Use a two-letter ISO code such as US, GB or DE.' });
  }
  const refuse = (reason: string) =>
    new UserError(`${what} "${input}" is not a valid phone number: ${reason}`, {
      code: 'invalid_number',
      hint: text.startsWith('+') || country ? NATIONAL_HINTS.none : NATIONAL_HINTS[opts.national ?? 'flag'],
    });
  try {
    const parsed = parsePhoneNumberWithError(text, country as CountryCode | undefined);
    if (!parsed.isPossible()) throw refuse(parsed.nationalNumber.length < 6 ? 'it is too short' : 'it has the wrong length for its country');
    return parsed.number;
  } catch (err) {
    if (err instanceof ParseError) throw refuse(REASONS[err.message] ?? err.message);
    throw err;
  }
}

/** `tel:+15550005678` (a link copied from a web page) is the number it names; its parameters are not. */
function withoutTelScheme(text: string): string {
  return /^tel:/i.test(text) ? text.slice(4) : text;
}

/**
 * What besides a number the text holds, if anything. libphonenumber-js would find the number inside
 * "+1 555 000 5678 call me" or "+15550005678x12" and drop the rest, so a typo or an extension (which
 * a text cannot dial) would be sent to without a word. A number as people type it passes: digits,
 * one leading +, spaces, dashes, dots and parentheses.
 */
function extraText(text: string): string | undefined {
  if (/^\+?[\d\s().\-]+$/.test(text)) return undefined;
  if (!/\d/.test(text)) return 'it is not a phone number';
  if (/(;\s*ext\s*=|\bext\.?|\bextension\b|\d\s*x|#)\s*\d*\s*$/i.test(text)) return 'it has an extension, which a text or call cannot dial; give the main number alone';
  if (/;/.test(text)) return 'it has parameters after the number (";...")';
  return 'it has other text than the number (only digits, a leading +, spaces, dashes, dots and parentheses are read)';
}
