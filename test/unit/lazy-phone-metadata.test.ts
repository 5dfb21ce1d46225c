/** The send bundle's libphonenumber metadata (src/messaging/lazy-phone-metadata.ts) is the package's, read lazily. */
import { parsePhoneNumberWithError } from 'libphonenumber-js/core';
import metadata from 'libphonenumber-js/metadata.min.json';
import { describe, expect, it } from 'vitest';
import { lazyPhoneMetadata } from '../../src/messaging/lazy-phone-metadata.js';

/** What scripts/bundle.mjs passes (its lazy-phone-metadata plugin). */
function lazyFromPackage() {
  const { countries, nonGeographic, ...rest } = metadata as unknown as Record<string, Record<string, unknown>>;
  const texts = (entries: Record<string, unknown>) => Object.fromEntries(Object.entries(entries).map(([key, value]) => [key, JSON.stringify(value)]));
  return lazyPhoneMetadata({ rest: JSON.stringify(rest), countries: texts(countries), nonGeographic: texts(nonGeographic) });
}

describe('lazy phone metadata', () => {
  it('reads as the package object: keys, own properties, values, JSON', () => {
    const lazy = lazyFromPackage() as typeof metadata;
    expect(Object.keys(lazy.countries)).toEqual(Object.keys(metadata.countries));
    expect(Object.prototype.hasOwnProperty.call(lazy.countries, 'US')).toBe(true);
    expect(Object.prototype.hasOwnProperty.call(lazy.countries, 'XX')).toBe(false);
    expect(['US' in lazy.countries, 'XX' in lazy.countries]).toEqual([true, false]);
    expect(lazy.countries.GB).toEqual(metadata.countries.GB);
    expect(lazy.countries.GB).toBe(lazy.countries.GB);
    expect(JSON.parse(JSON.stringify(lazy))).toEqual(metadata);
  });

  it('parses numbers exactly as the package metadata does', () => {
    const lazy = lazyFromPackage() as typeof metadata;
    const cases: [string, string | undefined][] = [['+15550005678', undefined], ['(415) 555-2671', 'US'], ['+442071838750', undefined], ['020 7183 8750', 'GB'], ['+8613912345678', undefined], ['+80012345678', undefined], ['+61 2 9374 4000', undefined], ['0151 1234 5678', 'DE'], ['+1 268 464 1234', undefined]];
    for (const [text, country] of cases) {
      const expected = parsePhoneNumberWithError(text, country as never, metadata);
      const actual = parsePhoneNumberWithError(text, country as never, lazy);
      expect([actual.number, actual.country, actual.isValid()], text).toEqual([expected.number, expected.country, expected.isValid()]);
    }
  });
});
